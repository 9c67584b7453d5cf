/** The instrumentation scope: the package's own name and version. */
export const PACKAGE_NAME = '@tokentrail/instrumentation-jwt';
export const PACKAGE_VERSION = '0.1.0';
