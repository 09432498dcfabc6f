export { Network, defaultInitFor, defaultLossFor, type NetworkOptions } from './network.js';
export type { Dataset } from './data/dataset.js';
export { loadDigits, DIGITS_PATH } from './data/digits.js';
export { loadCsv, CsvError, type CsvOptions, type CsvDataset, type CsvColumn } from './data/csv.js';
export { loadIdx, loadIdxDirectory, IdxError, IDX_FILES } from './data/idx.js';
export {
  loadFashionMnist,
  FASHION_MNIST_DIR,
  FASHION_MNIST_LABELS,
  DatasetNotInstalledError,
} from './data/fashion-mnist.js';
export { trainTestSplit, type SplitOptions } from './data/split.js';
export { gradcheck, type GradcheckOptions, type GradcheckReport, type LayerGradcheck } from './diagnose/gradcheck.js';
export type { History } from './train/fit.js';
export type { EpochLog, FitOptions } from './train/options.js';
export { MAX_CONFUSION_CLASSES, type Evaluation, type ClassMetrics, type ConfusionCell } from './train/metrics.js';
export type { Schedule } from './train/schedule.js';
export type { EarlyStoppingOptions } from './train/early-stopping.js';
export { TrainingDivergedError } from './train/errors.js';
export { nativeAvailable, nativeLoadError } from './backend/native.js';
export type { BackendChoice } from './backend/select.js';
export type { BackendName, OptimizerState } from './backend/types.js';
export type { Plan, PlanLayer, LayerSpec, DenseLayer, ActivationLayer, DropoutLayer, OutputLayer } from './plan.js';
export {
  HIDDEN_ACTIVATIONS,
  OUTPUT_ACTIVATIONS,
  LOSSES,
  INITS,
  OPTIMIZERS,
  LAYER_KIND_NAMES,
  type HiddenActivation,
  type OutputActivation,
  type LossName,
  type InitName,
  type OptimizerName,
} from './spec.js';
export { ModelFileError } from './io/model-error.js';
export { encodeModel, decodeModel } from './io/model-file.js';
export { MODEL_FORMAT_VERSION, type ModelParts, type DecodedModel, type JsonObject } from './io/model-header.js';
export type { ModelJSON } from './io/model-json.js';
export type { SaveOptions, LoadOptions } from './io/network-model.js';
export { diagnose, DEFAULT_PROBE_STEPS, type DiagnoseOptions, type DoctorReport } from './diagnose/diagnose.js';
export { FINDING_CODES, type Finding, type FindingCode, type Severity, type Evidence } from './diagnose/findings.js';
export type { CustomActivation, LayerActivation } from './ops/activations/custom.js';
export { ONNX_OPSET, ONNX_INPUT, ONNX_METADATA, type OnnxOptions } from './onnx/export.js';
export type { OnnxInputType } from './onnx/input-types.js';
