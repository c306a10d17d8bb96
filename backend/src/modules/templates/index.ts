export { htmlToText } from './html-to-text.js';
export { SAMPLE_CONTEXT } from './sample-data.js';
export { canSpamProblems, lintTemplate } from './template-lint.js';
export type { RenderContext } from './template-renderer.js';
export { TemplatesModule } from './templates.module.js';
export { TemplatesService } from './templates.service.js';
export type { PublishedVersion, SaveResult, TemplateView, VersionView } from './templates.service.js';
export { TEMPLATE_CATEGORIES } from './templates.types.js';
export type { RenderedEmail, TemplateCategory, TemplateWarning } from './templates.types.js';
