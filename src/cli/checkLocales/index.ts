export { checkLocales, DEFAULT_BASE_LANGUAGE } from './checkLocales';
export type { CheckLocalesOptions, LocaleFindings } from './checkLocales';
export { checkLocalesCommand, CHECK_LOCALES_USAGE, DEFAULT_LOCALES_DIR } from './checkLocalesCommand';
export { formatFindings } from './formatFindings';
export type { LocaleProblem, LocaleProblemKind, LocaleProblemSeverity } from '../../core/texts/localeRules';
