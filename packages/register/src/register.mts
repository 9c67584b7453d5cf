// ESM entry for `node --import @tokentrail/register`: the same start as the CommonJS entry, and its exports
// (`import { shutdown } from '@tokentrail/register'`).
export { shutdown, exitSafeTelemetry } from './index.js';
