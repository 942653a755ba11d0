/** Public API of apimachinery validation: name/label formats and ObjectMeta validation. */
export * from './messages';
export * from './dns';
export * from './qualified-name';
export * from './formats';
export * from './ip';
export * from './path-segment';
export * from './names';
export * from './labels';
export * from './label-selector';
export * from './equality';
export * from './common';
export * from './finalizers';
export * from './owner-references';
export * from './managed-fields';
export * from './object-meta';
export * from './go-values';
export * from './rendered-errors';
