export * from './dictionary';
export * from './frames';
export * from './session';
