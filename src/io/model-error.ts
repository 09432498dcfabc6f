/**
 * A model file (or model JSON) that cannot be read: the message is one
 * line naming the file and what is wrong with it, so a command line can
 * print it alone, without a stack.
 */
export class ModelFileError extends Error {
  override name = 'ModelFileError';
}
