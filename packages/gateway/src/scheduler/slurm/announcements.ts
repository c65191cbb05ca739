import type { Announcement } from '../scheduler.js';
import { underRootWord } from './jobs-root.js';
import type { RemoteProcess, SshLogin } from './ssh-connection.js';
import type { SshPool } from './ssh-pool.js';

/**
 * Job wrappers announce their start and end: a line each, appended to this file in the jobs
 * root of the job's account (`start|end <job id> <epoch>`). The gateway follows the file over
 * SSH as the account and looks at the job at once; polling stays the safety net, so a lost or
 * forged line costs at most a look at one of the account's own jobs.
 */
export const ANNOUNCE_FILE = '.hpcgate-announce';

/** Past this size the next job's start empties the file (a line lost then is only a hint). */
export const ANNOUNCE_FILE_MAX_BYTES = 1024 * 1024;

/** A line longer than this is no announcement: dropped, and never buffered. */
const MAX_LINE = 200;

const LINE =
  /^(start|end) ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}) \d+(\.\d+)?$/;

/** One announcement line, or null for anything else. */
export function parseAnnouncement(line: string): Announcement | null {
  const m = LINE.exec(line.trim());
  return m ? { event: m[1] as Announcement['event'], gatewayJobId: m[2]! } : null;
}

/**
 * Follows the account's announcements until its stdin closes (the gateway let go, or the
 * connection dropped): GNU tail from the current end, by name (the file may be emptied), every
 * half second where inotify does not reach (a shared file system written from compute nodes).
 */
export function followCommand(jobsRoot: string): string {
  const file = underRootWord(jobsRoot, ANNOUNCE_FILE);
  const dir = underRootWord(jobsRoot, '');
  return [
    `(umask 077 && mkdir -p -- ${dir} && touch -- ${file}) || exit 73`,
    `tail -n 0 -s 0.5 -F -- ${file} 2>/dev/null & hpcgate_t=$!`,
    'cat > /dev/null',
    'kill "$hpcgate_t" 2>/dev/null',
  ].join('\n');
}

/** The wrapper's lines that announce (see batch-script.ts): `$1` is start or end. */
export function announceFunction(jobsRoot: string, gatewayJobId: string): string[] {
  const file = underRootWord(jobsRoot, ANNOUNCE_FILE);
  return [
    'hpcgate_announce() {',
    `  if [ "$1" = start ] && [ "$(wc -c < ${file} 2>/dev/null || echo 0)" -gt ${ANNOUNCE_FILE_MAX_BYTES} ]; then : > ${file}; fi 2>/dev/null`,
    `  printf '%s %s %s\\n' "$1" ${gatewayJobId} "$(date +%s.%N)" >> ${file} 2>/dev/null`,
    '}',
  ];
}

/**
 * One follower per account the monitor names, each on the account's streams connection; those
 * no longer named are let go. A follower that ends (a dropped connection) is started again the
 * next time the monitor names its account. At most `maxFollowed` accounts (the first named): a
 * follower holds a connection for good, and the pool's connections are for submits and stops
 * first; the others' jobs are polled as before.
 */
export class AnnouncementFollowers {
  private readonly followers = new Map<string, RemoteProcess | 'starting'>();
  private closed = false;

  constructor(
    private readonly pool: SshPool,
    private readonly loginOf: (account: string) => SshLogin,
    private readonly jobsRoot: string,
    private readonly warn: (message: string) => void,
    private readonly maxFollowed: number,
  ) {}

  follow(
    accounts: readonly string[],
    onAnnounced: (a: Announcement, account: string) => void,
  ): void {
    if (this.closed) return;
    const wanted = new Set(accounts.slice(0, this.maxFollowed));
    for (const [account, follower] of this.followers) {
      if (wanted.has(account)) continue;
      this.followers.delete(account);
      if (follower !== 'starting') follower.endInput();
    }
    for (const account of wanted) {
      if (!this.followers.has(account)) void this.start(account, onAnnounced);
    }
  }

  close(): void {
    this.closed = true;
    for (const follower of this.followers.values()) if (follower !== 'starting') follower.close();
    this.followers.clear();
  }

  private async start(
    account: string,
    onAnnounced: (a: Announcement, account: string) => void,
  ): Promise<void> {
    this.followers.set(account, 'starting');
    let proc: RemoteProcess;
    try {
      proc = await this.pool.stream(this.loginOf(account), followCommand(this.jobsRoot), {
        keepInput: true,
      });
    } catch (err) {
      if (this.followers.get(account) === 'starting') this.followers.delete(account);
      this.warn(`announcements of ${account} not followed: ${(err as Error).message}`);
      return;
    }
    if (this.closed || this.followers.get(account) !== 'starting') {
      proc.endInput();
      return;
    }
    this.followers.set(account, proc);
    let partial = '';
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      if (partial.length > MAX_LINE) partial = '';
      for (const line of lines) {
        const a = line.length <= MAX_LINE ? parseAnnouncement(line) : null;
        if (a) onAnnounced(a, account);
      }
    });
    void proc.exit.then(() => {
      if (this.followers.get(account) === proc) this.followers.delete(account);
    });
  }
}
