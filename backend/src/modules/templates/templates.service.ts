import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, type EntityManager, type Repository } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../../config/index.js';
import { DomainError } from '../../platform/errors/index.js';
import { type AuditActor, AuditService } from '../audit/index.js';
import { ContactsService } from '../contacts/index.js';
import { TemplateVersionEntity } from './entities/template-version.entity.js';
import { TemplateEntity } from './entities/template.entity.js';
import { MjmlCompiler } from './mjml-compiler.js';
import { SAMPLE_CONTEXT } from './sample-data.js';
import { canSpamProblems, lintTemplate } from './template-lint.js';
import { type RenderContext, TemplateRenderer } from './template-renderer.js';
import type { RenderedEmail, TemplateCategory, TemplateWarning } from './templates.types.js';

/** What a send needs of a published version. */
export interface PublishedVersion {
  id: number;
  templateId: number;
  category: TemplateCategory;
  subject: string;
  preheader: string;
  fromName: string;
  compiledHtml: string;
}

export interface TemplateInput {
  name: string;
  category: TemplateCategory;
  subject?: string;
  preheader?: string;
  fromName?: string;
  mjml?: string;
}

export type DraftChanges = Partial<TemplateInput>;

export interface VersionSummary {
  id: number;
  version: number;
  status: 'draft' | 'published';
  subject: string;
  publishedAt: Date | null;
  publishedBy: string | null;
  createdAt: Date;
}

export interface VersionView extends VersionSummary {
  templateId: number;
  preheader: string;
  fromName: string;
  mjml: string;
  compiledHtml: string | null;
  warnings: TemplateWarning[];
}

export interface TemplateView {
  id: number;
  name: string;
  category: TemplateCategory;
  createdAt: Date;
  archivedAt: Date | null;
  /** Highest published version, if any: what campaigns send. */
  publishedVersion: number | null;
  /** The version being edited, if any. */
  draftVersion: number | null;
  versions: VersionSummary[];
}

export interface SaveResult {
  template: TemplateView;
  version: VersionView;
  warnings: TemplateWarning[];
}

const BLANK_MJML = `<mjml lang="en">
  <mj-body>
    <mj-section>
      <mj-column>
        <mj-text>Hello {{default contact.firstName "there"}},</mj-text>
      </mj-column>
    </mj-section>
    <mj-section>
      <mj-column>
        <mj-text font-size="12px">{{organization_address}}<br /><a href="{{unsubscribe_url}}">Unsubscribe</a> · <a href="{{preferences_url}}">Email preferences</a></mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>
`;

/** Templates and their versions: drafts are edited, published versions are frozen, MJML is compiled once per published version. */
@Injectable()
export class TemplatesService {
  private readonly published = new Map<number, PublishedVersion>();

  constructor(
    @InjectRepository(TemplateEntity) private readonly templates: Repository<TemplateEntity>,
    @InjectRepository(TemplateVersionEntity) private readonly versions: Repository<TemplateVersionEntity>,
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly compiler: MjmlCompiler,
    private readonly renderer: TemplateRenderer,
    private readonly contacts: ContactsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async list(): Promise<TemplateView[]> {
    const [templates, versions] = await Promise.all([this.templates.find({ order: { id: 'ASC' } }), this.versions.find({ order: { version: 'ASC' } })]);
    return templates.map((t) =>
      viewOf(
        t,
        versions.filter((v) => v.templateId === t.id),
      ),
    );
  }

  async get(id: number): Promise<TemplateView> {
    const template = await this.template(id);
    return viewOf(template, await this.versions.find({ where: { templateId: id }, order: { version: 'ASC' } }));
  }

  async getVersion(id: number, version: number): Promise<VersionView> {
    await this.template(id);
    return versionView(await this.version(id, version));
  }

  async create(input: TemplateInput, actor: AuditActor): Promise<SaveResult> {
    const content = { subject: input.subject ?? '', preheader: input.preheader ?? '', fromName: input.fromName ?? '', mjml: input.mjml ?? BLANK_MJML };
    this.checkSyntax(content);
    const { template, version } = await this.db.transaction(async (tx) => {
      const template = await tx.save(tx.create(TemplateEntity, { name: input.name, category: input.category, archivedAt: null }));
      const version = await tx.save(tx.create(TemplateVersionEntity, { templateId: template.id, version: 1, status: 'draft', ...content, compiledHtml: null }));
      await this.audit.record(
        { actor, action: 'template.created', subject: { type: 'template', id: String(template.id) }, details: { category: template.category } },
        tx,
      );
      return { template, version };
    });
    return this.result(template, version);
  }

  /** Edits the draft; when the latest version is published (frozen), the edit starts the next version from it. */
  async updateDraft(id: number, changes: DraftChanges, actor: AuditActor): Promise<SaveResult> {
    const { template, version } = await this.db.transaction(async (tx) => {
      const template = await this.lockTemplate(tx, id);
      if (changes.name !== undefined) template.name = changes.name;
      if (changes.category !== undefined) template.category = changes.category;
      await tx.save(template);
      const latest = await tx.findOne(TemplateVersionEntity, { where: { templateId: id }, order: { version: 'DESC' } });
      if (!latest) throw new DomainError('template_version_not_found', 'Template has no versions', 404);
      const draft =
        latest.status === 'draft'
          ? latest
          : tx.create(TemplateVersionEntity, {
              templateId: id,
              version: latest.version + 1,
              status: 'draft',
              subject: latest.subject,
              preheader: latest.preheader,
              fromName: latest.fromName,
              mjml: latest.mjml,
              compiledHtml: null,
              publishedAt: null,
              publishedBy: null,
            });
      if (changes.subject !== undefined) draft.subject = changes.subject;
      if (changes.preheader !== undefined) draft.preheader = changes.preheader;
      if (changes.fromName !== undefined) draft.fromName = changes.fromName;
      if (changes.mjml !== undefined) draft.mjml = changes.mjml;
      this.checkSyntax(draft);
      const saved = await tx.save(draft);
      await this.audit.record(
        {
          actor,
          action: 'template.draft_updated',
          subject: { type: 'template', id: String(id) },
          details: { version: saved.version, fields: Object.keys(changes) },
        },
        tx,
      );
      return { template, version: saved };
    });
    return this.result(template, version);
  }

  /** Compiles the draft's MJML once (strict), checks CAN-SPAM for marketing, and freezes it. */
  async publish(id: number, actor: AuditActor): Promise<SaveResult> {
    const template = await this.template(id);
    const draft = await this.versions.findOne({ where: { templateId: id, status: 'draft' } });
    if (!draft) throw new DomainError('template_no_draft', 'There is no draft to publish: edit the template first', 409);
    const html = await this.compiler.compile(draft.mjml);
    const missing = canSpamProblems(template.category, html);
    if (missing.length)
      throw new DomainError(
        'template_can_spam',
        `A marketing template must contain ${missing.join(' and ')} (CAN-SPAM); missing: ${missing.join(', ')}`,
        422,
        missing.map((m) => ({ field: 'mjml', message: `missing ${m}` })),
      );
    this.renderer.check({ subject: draft.subject, preheader: draft.preheader, html });
    const version = await this.db.transaction(async (tx) => {
      const locked = await this.lockTemplate(tx, id);
      const current = await tx.findOne(TemplateVersionEntity, { where: { id: draft.id } });
      if (!current || current.status !== 'draft' || current.mjml !== draft.mjml || current.subject !== draft.subject || current.preheader !== draft.preheader)
        throw new DomainError('template_draft_changed', 'The draft changed while publishing: try again', 409);
      if (locked.category !== template.category) throw new DomainError('template_draft_changed', 'The template changed while publishing: try again', 409);
      current.status = 'published';
      current.compiledHtml = html;
      current.publishedAt = new Date();
      current.publishedBy = actor.id ?? null;
      const saved = await tx.save(current);
      await this.audit.record(
        { actor, action: 'template.published', subject: { type: 'template', id: String(id) }, details: { version: saved.version, category: locked.category } },
        tx,
      );
      return saved;
    });
    return this.result(template, version);
  }

  /**
   * Subject, HTML and plain text for one recipient. Published versions use their stored
   * compiled HTML; a draft is compiled on the fly (previews only).
   */
  async render(versionId: number, context: RenderContext): Promise<RenderedEmail> {
    const version = await this.versions.findOne({ where: { id: versionId } });
    if (!version) throw new DomainError('template_version_not_found', 'Template version not found', 404);
    return this.renderVersion(version, context);
  }

  /** A published (frozen) version as sends need it, cached: published versions never change. */
  async publishedVersion(versionId: number): Promise<PublishedVersion> {
    const cached = this.published.get(versionId);
    if (cached) return cached;
    const version = await this.versions.findOne({ where: { id: versionId } });
    if (version?.status !== 'published' || version.compiledHtml === null)
      throw new DomainError('template_version_not_published', 'Template version is not published', 422);
    const template = await this.template(version.templateId);
    const view: PublishedVersion = {
      id: version.id,
      templateId: template.id,
      category: template.category,
      subject: version.subject,
      preheader: version.preheader,
      fromName: version.fromName,
      compiledHtml: version.compiledHtml,
    };
    if (this.published.size > 1000) this.published.clear();
    this.published.set(versionId, view);
    return view;
  }

  /** Renders a published version for one recipient: Handlebars only (MJML was compiled at publish). */
  renderPublished(version: PublishedVersion, context: RenderContext): RenderedEmail {
    return this.renderer.render(`v${String(version.id)}`, { subject: version.subject, preheader: version.preheader, html: version.compiledHtml }, context);
  }

  /** Renders a version with the built-in sample patient (plus the caller's overrides), never a real contact. */
  async preview(id: number, versionNumber: number, overrides: Record<string, unknown> = {}): Promise<RenderedEmail & { warnings: TemplateWarning[] }> {
    await this.template(id);
    const version = await this.version(id, versionNumber);
    const rendered = await this.renderVersion(version, { ...SAMPLE_CONTEXT, ...overrides });
    return { ...rendered, warnings: lintTemplate(version) };
  }

  /**
   * Renders a version with one real contact's data, as a send would (their fields, time zone and
   * language; the sample appointment and preview links, since no message exists). Reveals PHI to
   * the caller: refused without phi:reveal (the refusal is audited too), audited as a reveal.
   */
  async previewForContact(
    id: number,
    versionNumber: number,
    contactId: string,
    actor: AuditActor,
    mayReveal: boolean,
  ): Promise<RenderedEmail & { warnings: TemplateWarning[]; contactId: string }> {
    const subject = { type: 'contact', id: contactId };
    const details = { purpose: 'template_preview', templateId: id, version: versionNumber };
    if (!mayReveal) {
      await this.audit.record({ actor, action: 'phi.revealed', subject, outcome: 'denied', details });
      throw new DomainError('forbidden', 'Previewing with a real contact needs the phi:reveal permission', 403);
    }
    await this.template(id);
    const version = await this.version(id, versionNumber);
    const record = (await this.contacts.phiForProcessingMany([contactId])).get(contactId);
    if (!record) throw new DomainError('contact_not_found', 'Contact not found (or erased)', 404);
    const contact = {
      ...record.phi,
      ...record.attributes,
      ...(record.phi.attributes ?? {}),
      timeZone: record.timeZone ?? undefined,
      locale: record.language ?? undefined,
    };
    const rendered = await this.renderVersion(version, {
      ...SAMPLE_CONTEXT,
      organization_name: this.config.ORGANIZATION_NAME,
      organization_address: this.config.ORGANIZATION_ADDRESS,
      contact,
    });
    await this.audit.record({ actor, action: 'phi.revealed', subject, details });
    return { ...rendered, warnings: lintTemplate(version), contactId };
  }

  private async renderVersion(version: TemplateVersionEntity, context: RenderContext): Promise<RenderedEmail> {
    const frozen = version.status === 'published' && version.compiledHtml !== null;
    const html = frozen ? (version.compiledHtml as string) : await this.compiler.compile(version.mjml);
    return this.renderer.render(frozen ? `v${version.id}` : `draft${version.id}`, { subject: version.subject, preheader: version.preheader, html }, context);
  }

  private checkSyntax(content: { subject: string; preheader: string; mjml: string }): void {
    this.renderer.check({ subject: content.subject, preheader: content.preheader, html: content.mjml });
  }

  private async result(template: TemplateEntity, version: TemplateVersionEntity): Promise<SaveResult> {
    const view = versionView(version);
    return {
      template: viewOf(template, await this.versions.find({ where: { templateId: template.id }, order: { version: 'ASC' } })),
      version: view,
      warnings: view.warnings,
    };
  }

  private async template(id: number): Promise<TemplateEntity> {
    const template = await this.templates.findOne({ where: { id } });
    if (!template) throw new DomainError('template_not_found', 'Template not found', 404);
    return template;
  }

  private async lockTemplate(tx: EntityManager, id: number): Promise<TemplateEntity> {
    const template = await tx.findOne(TemplateEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!template) throw new DomainError('template_not_found', 'Template not found', 404);
    return template;
  }

  private async version(id: number, version: number): Promise<TemplateVersionEntity> {
    const found = await this.versions.findOne({ where: { templateId: id, version } });
    if (!found) throw new DomainError('template_version_not_found', 'Template version not found', 404);
    return found;
  }
}

function summaryOf(v: TemplateVersionEntity): VersionSummary {
  return { id: v.id, version: v.version, status: v.status, subject: v.subject, publishedAt: v.publishedAt, publishedBy: v.publishedBy, createdAt: v.createdAt };
}

function versionView(v: TemplateVersionEntity): VersionView {
  return {
    ...summaryOf(v),
    templateId: v.templateId,
    preheader: v.preheader,
    fromName: v.fromName,
    mjml: v.mjml,
    compiledHtml: v.compiledHtml,
    warnings: lintTemplate(v),
  };
}

function viewOf(t: TemplateEntity, versions: TemplateVersionEntity[]): TemplateView {
  const published = versions.filter((v) => v.status === 'published').map((v) => v.version);
  const draft = versions.find((v) => v.status === 'draft');
  return {
    id: t.id,
    name: t.name,
    category: t.category,
    createdAt: t.createdAt,
    archivedAt: t.archivedAt,
    publishedVersion: published.length ? Math.max(...published) : null,
    draftVersion: draft?.version ?? null,
    versions: versions.map(summaryOf),
  };
}
