import { describe, expect, it } from 'vitest';
import { formatKeyValue, formatTable, startProgress } from '../src/output.js';
import { captureIo } from './capture-io.js';

describe('output', () => {
  it('formatTable aligns columns, names them in UPPER_SNAKE, shows - for nothing', () => {
    expect(
      formatTable([
        { id: 'a', remoteJobId: null, tags: [] },
        { id: 'bbb', remoteJobId: '42', tags: ['x', 'y'] },
      ]),
    ).toBe('ID   REMOTE_JOB_ID  TAGS\na    -              -\nbbb  42             x,y\n');
    expect(formatTable([])).toBe('(none)\n');
  });

  it('control characters never reach the terminal', () => {
    expect(formatKeyValue({ name: 'evil\u001b[2Jname\nnext' })).toBe('name:  evil?[2Jname?next\n');
  });

  it('formatKeyValue aligns and leaves undefined out', () => {
    expect(formatKeyValue({ id: 'x', status: 'RUNNING', gone: undefined, exitCode: null })).toBe(
      'id:        x\nstatus:    RUNNING\nexitCode:  -\n',
    );
  });

  it('startProgress draws nothing without a terminal', () => {
    const io = captureIo();
    startProgress(io, false, () => 'x').stop();
    expect(io.err()).toBe('');
  });

  it('startProgress redraws one line and clears it', () => {
    const io = captureIo();
    let t = 0;
    const p = startProgress(
      io,
      true,
      () => 'job 1 RUNNING',
      () => t,
    );
    t = 12_400;
    p.stop();
    expect(io.err()).toBe('\r⠋ job 1 RUNNING (0 s)\u001b[K\r\u001b[K');
    expect(io.out()).toBe('');
  });
});
