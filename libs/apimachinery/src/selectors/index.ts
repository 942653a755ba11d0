/** Label and field selectors (k8s.io/apimachinery/pkg/labels, pkg/fields, metav1 LabelSelector helpers). */
export {
  LabelSelector,
  SelectorSyntaxError,
  matchesLabels,
  newLabelRequirement,
  requirementMatches,
  requirementString,
  selectorFromSet,
  validatedSelectorFromSet,
} from './label-selector';
export type { LabelRequirement, LabelSet, SelectionOperator } from './label-selector';
export { parseLabelRequirements } from './label-parser';
export { labelSelectorBadRequest, parseLabelSelector, tryParseLabelSelector } from './parse-label-selector';
export type { ParseResult } from './parse-label-selector';
export { formatLabelSelector, labelSelectorAsSelector, tryLabelSelectorAsSelector } from './meta-label-selector';
export type { MetaLabelSelector, MetaLabelSelectorOperator, MetaLabelSelectorRequirement } from './meta-label-selector';
export {
  FieldSelector,
  defaultFieldLabelConversion,
  escapeFieldValue,
  fieldLabelConversion,
  fieldLabelNotSupportedMessage,
  parseFieldRequirements,
  parseFieldSelector,
  transformFieldSelector,
  tryParseFieldSelector,
  unescapeFieldValue,
} from './field-selector';
export type { FieldOperator, FieldRequirement, FieldSet, FieldTransform } from './field-selector';
