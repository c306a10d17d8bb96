import Assessment from '@mui/icons-material/Assessment';
import HowToReg from '@mui/icons-material/HowToReg';
import ReportProblem from '@mui/icons-material/ReportProblem';
import type { ResourceProps } from 'react-admin';

import { AccessReviewPage } from './AccessReviewPage';
import { BreachResponsePage } from './BreachResponsePage';
import { ReportsPage } from './ReportsPage';

/** The Compliance menu group: each page is a resource with only a list view, so the menu and access rules treat it like any other. */
export const complianceReports: ResourceProps = { name: 'compliance-reports', list: ReportsPage, icon: Assessment, options: { label: 'Reports' } };
export const accessReview: ResourceProps = { name: 'access-review', list: AccessReviewPage, icon: HowToReg, options: { label: 'Access review' } };
export const breachResponse: ResourceProps = { name: 'breach-response', list: BreachResponsePage, icon: ReportProblem, options: { label: 'Breach response' } };
