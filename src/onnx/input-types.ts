/**
 * The element types an exported model's input may have, by name. Kept
 * apart from the schema (proto.ts) so that the public declarations name
 * none of the schema package's types: those need @types/long, which a
 * user's project with its own "types" list does not load.
 */
export const ONNX_INPUT_TYPE_NAMES = ['float32', 'uint8'] as const;

/** 'float32': floats as given; 'uint8': bytes standing for byte / 255. */
export type OnnxInputType = (typeof ONNX_INPUT_TYPE_NAMES)[number];
