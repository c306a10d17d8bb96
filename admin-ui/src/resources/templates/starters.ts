import annualScreeningMeta from '../../../../templates/annual-screening/meta.json?raw';
import annualScreening from '../../../../templates/annual-screening/index.mjml?raw';
import appointmentReminderMeta from '../../../../templates/appointment-reminder/meta.json?raw';
import appointmentReminder from '../../../../templates/appointment-reminder/index.mjml?raw';
import doubleOptInMeta from '../../../../templates/double-opt-in/meta.json?raw';
import doubleOptIn from '../../../../templates/double-opt-in/index.mjml?raw';
import fluVaccinationMeta from '../../../../templates/flu-vaccination/meta.json?raw';
import fluVaccination from '../../../../templates/flu-vaccination/index.mjml?raw';
import healthNewsletterMeta from '../../../../templates/health-newsletter/meta.json?raw';
import healthNewsletter from '../../../../templates/health-newsletter/index.mjml?raw';
import planEnrollmentMeta from '../../../../templates/plan-enrollment/meta.json?raw';
import planEnrollment from '../../../../templates/plan-enrollment/index.mjml?raw';

import type { TemplateCategory } from '../../providers/dataProvider';

export interface Starter {
  key: string;
  name: string;
  category: TemplateCategory;
  subject: string;
  preheader: string;
  mjml: string;
}

interface StarterMeta {
  name: string;
  category: TemplateCategory;
  subject: string;
  preheader: string;
}

const starter = (key: string, metaJson: string, mjml: string): Starter => ({ key, ...(JSON.parse(metaJson) as StarterMeta), mjml });

/** The starters in the repository's `templates/` folder, bundled at build time (there is no endpoint for them). */
export const STARTERS: readonly Starter[] = [
  starter('appointment-reminder', appointmentReminderMeta, appointmentReminder),
  starter('annual-screening', annualScreeningMeta, annualScreening),
  starter('flu-vaccination', fluVaccinationMeta, fluVaccination),
  starter('plan-enrollment', planEnrollmentMeta, planEnrollment),
  starter('health-newsletter', healthNewsletterMeta, healthNewsletter),
  starter('double-opt-in', doubleOptInMeta, doubleOptIn),
];

export const findStarter = (key: unknown): Starter | undefined => STARTERS.find((s) => s.key === key);
