// Reading recordings back with Debian's ffmpeg/ffprobe, as a user checks a
// video: its stream, frame count and timestamps, and decoded RGBA frames.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

export const FFPROBE = '/usr/bin/ffprobe';
export const FFMPEG = '/usr/bin/ffmpeg';

export interface Probe {
  codec: string;
  width: number;
  height: number;
  frames: number;
  /** Presentation times of the frames, in seconds. */
  times: number[];
}

/** The first video stream of `file`: codec, size and every frame's time. */
export function probe(file: string): Probe {
  const json: unknown = JSON.parse(execFileSync(FFPROBE, ['-v', 'error', '-select_streams', 'v:0',
    '-show_entries', 'stream=codec_name,width,height:frame=pts_time', '-of', 'json', file], { encoding: 'utf8', timeout: 30_000, maxBuffer: 64 << 20 }));
  const field = (o: unknown, k: string): unknown => (typeof o === 'object' && o !== null && k in o ? Object.entries(o).find(([key]) => key === k)?.[1] : undefined);
  const streams = field(json, 'streams');
  const s: unknown = Array.isArray(streams) ? streams[0] : undefined;
  assert.ok(s !== undefined, `no video stream in ${file}`);
  const frames = field(json, 'frames');
  const times = (Array.isArray(frames) ? frames : []).map((f) => Number(field(f, 'pts_time')));
  return { codec: String(field(s, 'codec_name')), width: Number(field(s, 'width')), height: Number(field(s, 'height')), frames: times.length, times };
}

/**
 * Frames of `file` decoded to RGBA, `width` × `height` each: the first
 * `count`, every frame as stored (no frame rate conversion), or with
 * `distinct` only those unlike the one before (mpdecimate).
 */
export function decodeFrames(file: string, width: number, height: number, count: number, distinct = false): Buffer[] {
  const filter = distinct ? ['-vf', 'mpdecimate'] : [];
  const raw = execFileSync(FFMPEG, ['-v', 'error', '-i', file, ...filter, '-fps_mode', 'passthrough', '-frames:v', String(count), '-f', 'rawvideo', '-pix_fmt', 'rgba', '-'],
    { maxBuffer: (count + 1) * width * height * 4, timeout: 30_000 });
  const size = width * height * 4;
  assert.equal(raw.length % size, 0);
  return Array.from({ length: raw.length / size }, (_, i) => raw.subarray(i * size, (i + 1) * size));
}
