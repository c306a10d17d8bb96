import { useState } from 'react';
import { useLogoutIfAccessDenied, useNotify } from 'react-admin';

import {
  type DownloadFormat,
  downloadReport,
  fetchReport,
  initialValues,
  type ParamValues,
  problemOf,
  queryOf,
  type ReportDefinition,
  type ReportDocument,
} from './reportsApi';

export type ReportTask = 'view' | DownloadFormat;

export interface ReportRunner {
  def: ReportDefinition;
  values: ParamValues;
  setValues: (values: ParamValues) => void;
  /** What keeps the form from being sent, if anything. */
  problem: string | undefined;
  doc: ReportDocument | undefined;
  busy: ReportTask | undefined;
  view: () => Promise<void>;
  download: (format: DownloadFormat) => Promise<void>;
  close: () => void;
}

const messageOf = (error: unknown) => (error instanceof Error && error.message ? error.message : 'The report could not be produced.');

/** A report's form values, and viewing or downloading it with them; failures become notifications (a lapsed session signs out). */
export function useReportRunner(def: ReportDefinition, initial?: ParamValues): ReportRunner {
  const [values, setValues] = useState<ParamValues>(() => ({ ...initialValues(def), ...initial }));
  const [doc, setDoc] = useState<ReportDocument | undefined>();
  const [busy, setBusy] = useState<ReportTask | undefined>();
  const notify = useNotify();
  const logoutIfAccessDenied = useLogoutIfAccessDenied();
  const problem = problemOf(def, values);

  const run = async (task: ReportTask, work: () => Promise<void>) => {
    if (problem) {
      notify(problem, { type: 'warning' });
      return;
    }
    setBusy(task);
    try {
      await work();
    } catch (error) {
      if (!(await logoutIfAccessDenied(error))) notify(messageOf(error), { type: 'error' });
    } finally {
      setBusy(undefined);
    }
  };

  return {
    def,
    values,
    setValues,
    problem,
    doc,
    busy,
    view: () => run('view', async () => setDoc(await fetchReport(def.id, queryOf(def, values)))),
    download: (format) =>
      run(format, async () => {
        const name = await downloadReport(def.id, format, queryOf(def, values));
        notify(`${name} downloaded. The download is recorded in the audit log.`, { type: 'success' });
      }),
    close: () => setDoc(undefined),
  };
}
