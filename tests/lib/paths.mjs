import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (tests/ lives directly below it). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where worktrace-server and worktrace-agent are: $WORKTRACE_BIN_DIR, else <repo>/build/bin. */
export const binDir = process.env.WORKTRACE_BIN_DIR
  ? path.resolve(process.env.WORKTRACE_BIN_DIR)
  : path.join(repoRoot, 'build', 'bin');

export const serverBin = path.join(binDir, 'worktrace-server');
export const agentBin = path.join(binDir, 'worktrace-agent');

/** The built dashboard (`npm run build` in web/): $WORKTRACE_WEB_DIST, else <repo>/web/dist. */
export const webDist = process.env.WORKTRACE_WEB_DIST
  ? path.resolve(process.env.WORKTRACE_WEB_DIST)
  : path.join(repoRoot, 'web', 'dist');

/** Logs of every child process and screenshots of failed browser tests. */
export const artifactsDir = path.join(repoRoot, 'build', 'test-artifacts');
