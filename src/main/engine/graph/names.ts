/**
 * Unique names derived from wanted ones ("x", "x_1", "x_2", …), in the order asked: stable output for a
 * stable walk. `clean` turns any string into a legal name for the target format.
 */
export class UniqueNames {
  private readonly used = new Set<string>();

  constructor(
    reserved: string[] = [],
    private readonly clean: (s: string) => string = (s) => s,
  ) {
    for (const r of reserved) this.used.add(r);
  }

  take(want: string): string {
    const base = this.clean(want);
    let name = base;
    for (let k = 1; this.used.has(name); k++) name = `${base}_${k}`;
    this.used.add(name);
    return name;
  }
}
