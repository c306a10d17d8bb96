import type { FieldProblem } from '../../platform/errors/index.js';
import type { ColumnMapping } from './csv-format.js';

/** Turns one CSV record into the raw contact object the validator takes, and says which column each field came from. */
export class RowMapper {
  private readonly fieldColumn = new Map<string, string>();
  private readonly identifierColumns: string[] = [];
  private readonly conditionColumns: string[] = [];

  constructor(
    private readonly headers: string[],
    private readonly mapping: Partial<Record<string, ColumnMapping>>,
  ) {
    for (const header of headers) {
      const m = mapping[header];
      if (!m || m.field === 'ignore') continue;
      if (m.field === 'identifier') this.identifierColumns.push(header);
      else if (m.field === 'condition') this.conditionColumns.push(header);
      else if (m.field === 'attribute') this.fieldColumn.set(`attributes.${m.key}`, header);
      else this.fieldColumn.set(m.field, header);
    }
  }

  toRaw(record: string[]): Record<string, unknown> {
    const raw: Record<string, unknown> = {};
    const identifiers: { kind: string; system: string; value: string }[] = [];
    const conditions: { system: string; code: string }[] = [];
    const attributes: Record<string, string> = {};
    for (let i = 0; i < this.headers.length; i++) {
      const value = record[i]?.trim();
      if (!value) continue;
      const m = this.mapping[this.headers[i]];
      if (!m || m.field === 'ignore') continue;
      switch (m.field) {
        case 'identifier':
          identifiers.push({ kind: m.kind, system: m.system, value });
          break;
        case 'condition':
          for (const code of value.split(/[;|]/)) if (code.trim()) conditions.push({ system: m.system, code: code.trim() });
          break;
        case 'attribute':
          attributes[m.key] = value;
          break;
        default:
          raw[m.field] = value;
      }
    }
    if (identifiers.length) raw.identifiers = identifiers;
    if (conditions.length) raw.conditions = conditions;
    if (Object.keys(attributes).length) raw.attributes = attributes;
    return raw;
  }

  /** The CSV column a validation problem is about (the field name when no single column is). */
  columnOf(problem: FieldProblem): string {
    const f = problem.field;
    if (f.startsWith('identifiers')) return this.identifierColumns.at(Number(/\[(\d+)\]/.exec(f)?.[1] ?? 0)) ?? this.identifierColumns.at(0) ?? f;
    if (f.startsWith('conditions')) return this.conditionColumns[0] ?? f;
    return this.fieldColumn.get(f) ?? f;
  }
}
