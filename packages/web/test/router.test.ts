import { describe, expect, it } from 'vitest';
import { appLinkTarget, parseRoute } from '../src/router.js';

const id = '0b6f5c7e-3c1a-4e8e-9d2f-6a1b2c3d4e5f';

describe('parseRoute', () => {
  it('knows the list and a job page', () => {
    expect(parseRoute('/')).toEqual({ page: 'list' });
    expect(parseRoute('/jobs')).toEqual({ page: 'list' });
    expect(parseRoute(`/jobs/${id}`)).toEqual({ page: 'job', jobId: id });
    expect(parseRoute(`/jobs/${id.toUpperCase()}/`)).toEqual({ page: 'job', jobId: id });
  });

  it('knows nothing else', () => {
    expect(parseRoute('/jobs/not-a-uuid')).toEqual({ page: 'not-found' });
    expect(parseRoute('/auth/login')).toEqual({ page: 'not-found' });
  });
});

describe('appLinkTarget', () => {
  const origin = 'http://127.0.0.1:8080';
  it('takes over same-origin links to the pages', () => {
    expect(appLinkTarget(`${origin}/jobs/${id}`, origin)).toBe(`/jobs/${id}`);
    expect(appLinkTarget('/?status=RUNNING', origin)).toBe('/?status=RUNNING');
  });

  it('leaves sign-in, API, downloads and other origins to the browser', () => {
    expect(appLinkTarget('/auth/login?returnTo=%2F', origin)).toBeNull();
    expect(appLinkTarget(`/v3/jobs/${id}/output/download/stdout`, origin)).toBeNull();
    expect(appLinkTarget(`https://elsewhere.example/jobs/${id}`, origin)).toBeNull();
  });
});
