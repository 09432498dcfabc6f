/** A CSV file that cannot be read as a dataset; the message names the file, and the line and column when there is one. */
export class CsvError extends Error {
  override readonly name = 'CsvError';

  constructor(
    message: string,
    readonly file: string,
    /** 1-based line of the file. */
    readonly line?: number,
    /** 0-based column index. */
    readonly column?: number,
  ) {
    super(message);
  }
}
