/** The MediaRoots of MEDIA_IN (sources) and MEDIA_OUT (outputs). */
export const MEDIA_IN_ROOT = Symbol('MEDIA_IN_ROOT');
export const MEDIA_OUT_ROOT = Symbol('MEDIA_OUT_ROOT');
