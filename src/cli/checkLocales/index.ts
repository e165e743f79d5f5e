export { checkLocales, DEFAULT_BASE_LANGUAGE } from './checkLocales';
export type { CheckLocalesOptions, LocaleReport } from './checkLocales';
export { formatReport } from './formatReport';
export type { LocaleProblem, LocaleProblemKind, LocaleProblemSeverity } from '../../core/texts/localeRules';
