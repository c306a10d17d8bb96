export const TEMPLATE_CATEGORIES = ['marketing', 'transactional'] as const;
export type TemplateCategory = (typeof TEMPLATE_CATEGORIES)[number];
export type VersionStatus = 'draft' | 'published';

/** A finding the author should see; never blocks saving or publishing. */
export interface TemplateWarning {
  code: 'phi_in_header' | 'contact_data_in_link';
  field: 'subject' | 'preheader' | 'fromName' | 'mjml';
  message: string;
  /** The placeholder path (e.g. `contact.firstName`) or the link's line in the MJML. Names a field, never a value. */
  detail?: string;
  line?: number;
}

export interface RenderedEmail {
  subject: string;
  preheader: string;
  html: string;
  text: string;
}
