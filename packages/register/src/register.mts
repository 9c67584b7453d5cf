// ESM entry for `node --import @tokentrail/register`: the same start as the CommonJS entry.
import './index.js';
