import { type ExpectedOutput, type FfprobeRepository, outputProblem, ProbeError, type ProbeResult, type ShownPath } from '@mpr/core';

/** The probe of a finished encode, or why it may not be published (unreadable, or not what the plan expects). */
export async function checkOutput(
  ffprobe: FfprobeRepository,
  absolutePath: string,
  expected: ExpectedOutput,
  paths: readonly ShownPath[],
): Promise<ProbeResult | string> {
  let probe: ProbeResult;
  try {
    probe = await ffprobe.probe(absolutePath, undefined, paths);
  } catch (err) {
    if (err instanceof ProbeError) return `the output is not readable: ${err.message}`;
    throw err;
  }
  return outputProblem(probe, expected) ?? probe;
}
