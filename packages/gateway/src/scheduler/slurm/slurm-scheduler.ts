import type { ExecutionSystemConfig } from '../../config/schema.js';
import type { Scheduler } from '../scheduler.js';
import { SshConnection } from './ssh-connection.js';

/** Slurm reached through one pooled SSH connection per execution system. */
export class SlurmScheduler implements Scheduler {
  readonly systemId: string;
  private readonly ssh: SshConnection;

  constructor(config: ExecutionSystemConfig) {
    this.systemId = config.id;
    this.ssh = new SshConnection(config);
  }

  ping(): Promise<number> {
    return this.ssh.ping();
  }

  close(): void {
    this.ssh.close();
  }
}
