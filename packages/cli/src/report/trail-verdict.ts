/**
 * The trail's verdict per stream, as `tokentrail verify` gives it, in bounded memory: every stream is checked
 * while it streams past ({@link StreamingVerifier}); a stream found wanting and small enough is then read again
 * and verified exactly as `verify` does, so the problems it names are the same ones.
 */
import { readTrailFile, type TrailRecord } from '../verify/otlp-records';
import { verifyStream, type StreamReport, type TrailReport, type VerifyOptions } from '../verify/trail-verifier';
import { StreamingVerifier } from './streaming-verifier';

/** Records of failing streams read again for `verify`'s exact account of their problems. */
export const EXACT_LIMIT = 50_000;

export class TrailVerdict {
  readonly #options: VerifyOptions;
  readonly #streams = new Map<string, StreamingVerifier>();

  constructor(options: VerifyOptions) {
    this.#options = options;
  }

  /** Takes one record; false when it repeats a seq of its stream (a copy, not to be counted again). */
  accept(record: TrailRecord): boolean {
    let verifier = this.#streams.get(record.stream);
    if (!verifier) {
      verifier = new StreamingVerifier(record.stream, this.#options);
      this.#streams.set(record.stream, verifier);
    }
    return verifier.accept(record);
  }

  /** The verdict; `checkedWhileStreaming` names the failing streams too large to be read again. */
  async finish(files: string[], otherRecords: number): Promise<TrailReport & { checkedWhileStreaming: string[] }> {
    const streamed = [...this.#streams.values()].map((verifier) => verifier.finish());
    const again = new Set<string>();
    let budget = EXACT_LIMIT;
    for (const report of streamed) {
      if (report.verified || report.records > budget) continue;
      again.add(report.stream);
      budget -= report.records;
    }
    const exact = again.size > 0 ? await this.#verifyExactly(files, again) : new Map<string, StreamReport>();
    const streams = streamed.map((report) => exact.get(report.stream) ?? report);
    const checkedWhileStreaming = streams
      .filter((report) => !report.verified && !again.has(report.stream))
      .map((report) => report.stream);
    return {
      files,
      streams,
      otherRecords,
      verified: streams.length > 0 && streams.every((report) => report.verified),
      checkedWhileStreaming,
    };
  }

  async #verifyExactly(files: string[], streams: Set<string>): Promise<Map<string, StreamReport>> {
    const records = new Map<string, TrailRecord[]>([...streams].map((stream) => [stream, []]));
    const counts = { skipped: 0 };
    for (const file of files)
      for await (const record of readTrailFile(file, counts)) records.get(record.stream)?.push(record);
    return new Map([...records].map(([stream, list]) => [stream, verifyStream(stream, list, this.#options)]));
  }
}
