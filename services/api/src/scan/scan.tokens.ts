export const MEDIA_IN_ROOT = Symbol('MEDIA_IN_ROOT');
export const MEDIA_OUT_ROOT = Symbol('MEDIA_OUT_ROOT');
