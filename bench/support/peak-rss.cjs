/** Preloaded into a measured process: at exit, writes its resource usage (peak RSS of all its threads) to $PEAK_RSS_FILE. */
const { writeFileSync } = require('node:fs');

process.on('exit', () => {
  if (process.env.PEAK_RSS_FILE) writeFileSync(process.env.PEAK_RSS_FILE, JSON.stringify(process.resourceUsage()));
});
