import { Injectable } from '@nestjs/common';
import { DomainError } from '../../platform/errors/index.js';

interface MjmlError {
  line: number;
  message: string;
  tagName: string;
}
type Mjml2Html = (
  mjml: string,
  options: { validationLevel: 'strict' | 'soft' | 'skip'; keepComments?: boolean },
) => Promise<{ html: string; errors: MjmlError[] }>;

export interface MjmlProblem {
  line: number;
  tag: string;
  message: string;
}

/** mjml takes about a second to import: load it on first use, not at boot (the worker rarely needs it). */
let loading: Promise<Mjml2Html> | undefined;
function mjml(): Promise<Mjml2Html> {
  // @ts-expect-error -- mjml ships no type declarations; the shape used is typed above.
  loading ??= import('mjml').then((m: { default: Mjml2Html }) => m.default);
  return loading;
}

function problemsOf(errors: MjmlError[]): MjmlProblem[] {
  // `formattedMessage` carries the server's working directory: build our own from the parts.
  return errors.map((e) => ({ line: e.line, tag: e.tagName, message: e.message }));
}

/** MJML → HTML, strict: any validation error refuses the source with its line numbers. Handlebars expressions pass through untouched. */
@Injectable()
export class MjmlCompiler {
  async compile(source: string): Promise<string> {
    const mjml2html = await mjml();
    let result: { html: string; errors: MjmlError[] };
    try {
      result = await mjml2html(source, { validationLevel: 'strict', keepComments: false });
    } catch (err) {
      const errors = (err as { errors?: MjmlError[] }).errors;
      if (!Array.isArray(errors)) throw new DomainError('mjml_invalid', `MJML could not be parsed: ${(err as Error).message.slice(0, 200)}`, 400);
      throw invalid(problemsOf(errors));
    }
    if (result.errors.length) throw invalid(problemsOf(result.errors));
    if (!/<mjml[\s>]/.test(source)) throw invalid([{ line: 1, tag: 'mjml', message: 'The document must start with an <mjml> root element' }]);
    return result.html;
  }
}

function invalid(problems: MjmlProblem[]): DomainError {
  const fields = problems.map((p) => ({ field: 'mjml', message: `line ${p.line}: ${p.message} (${p.tag})` }));
  return new DomainError(
    'mjml_invalid',
    `MJML has ${problems.length} error${problems.length === 1 ? '' : 's'}: ${fields.map((f) => f.message).join('; ')}`,
    400,
    fields,
  );
}
