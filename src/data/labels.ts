/**
 * Class labels read as text, turned into class indices: by a given list of
 * names, as integers when every label is one, else in order of first
 * appearance.
 */

/** A label that is a class index as it stands: "0", "7", "12". */
const INDEX_LABEL = /^\d+$/;

/**
 * Integer labels become class indices as they are, so `classes` is the
 * largest plus one; past this, a column of ids or measurements was almost
 * certainly meant as regression targets, and the names alone would not fit
 * in memory.
 */
export const MAX_INTEGER_CLASSES = 65_536;

export interface EncodedLabels {
  y: Int32Array;
  classes: number;
  labelNames: string[];
}

export class LabelEncoder {
  private ids = new Int32Array(1024);
  private count = 0;
  private readonly idOf = new Map<string, number>();
  private readonly names: string[];

  /** With `fixedNames` the mapping is that list, and `add` refuses any other label. */
  constructor(private readonly fixedNames?: readonly string[]) {
    this.names = fixedNames ? [...fixedNames] : [];
    this.names.forEach((name, i) => this.idOf.set(name, i));
  }

  /** Records the next row's label; false when it is not one of the fixed names. */
  add(label: string): boolean {
    let id = this.idOf.get(label);
    if (id === undefined) {
      if (this.fixedNames) return false;
      id = this.names.length;
      this.names.push(label);
      this.idOf.set(label, id);
    }
    if (this.count === this.ids.length) {
      const grown = new Int32Array(this.ids.length * 2);
      grown.set(this.ids);
      this.ids = grown;
    }
    this.ids[this.count++] = id;
    return true;
  }

  /**
   * The class index of every row. Throws a RangeError (to be given the
   * file's context by the caller) when integer labels reach past
   * MAX_INTEGER_CLASSES.
   */
  finish(): EncodedLabels {
    const y = this.ids.slice(0, this.count);
    if (this.fixedNames || !this.names.every((name) => INDEX_LABEL.test(name))) {
      return { y, classes: this.names.length, labelNames: this.names };
    }
    const values = this.names.map(Number);
    const classes = Math.max(2, values.reduce((a, b) => Math.max(a, b)) + 1);
    if (classes > MAX_INTEGER_CLASSES) {
      throw new RangeError(
        `integer labels reach ${classes - 1}, which would make ${classes} classes (at most ${MAX_INTEGER_CLASSES}); for numeric targets pass task: 'regression'`,
      );
    }
    for (let i = 0; i < y.length; i++) y[i] = values[y[i]];
    return { y, classes, labelNames: Array.from({ length: classes }, (_, i) => String(i)) };
  }
}
