import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { db } from '../src/data/db';
import * as outbox from '../src/data/outbox';

// The network is the test's own: a function answering POST /api/v1/sync as the server would.
// (The real server behind the real browser: tests/e2e/test_outbox.py.)
type Write = { client_id: string; body: Record<string, unknown> };
let requests: Write[][] = [];
let answer: (writes: Write[]) => Response;

const json = (status: number, data: unknown) => new Response(JSON.stringify(data), { status, headers: { 'Content-Type': 'application/json' } });
const created = (writes: Write[]) => json(200, { results: writes.map((w, i) => ({ client_id: w.client_id, status: 'created', id: i + 1, version: 1 })) });

const RM = { id: 7, name: '王经理' };

async function queue(notes: string, extra: Partial<Parameters<typeof outbox.enqueue>[0]> = {}) {
  return outbox.enqueue({ client_id: outbox.newClientId(), kind: 'interaction', body: { notes, replaces: null }, ...extra });
}

beforeEach(async () => {
  await (await db()).clear('outbox');
  await outbox.setOwner(RM);
  requests = [];
  answer = created;
  vi.stubGlobal('fetch', async (_url: string, init: RequestInit) => {
    const writes = (JSON.parse(String(init.body)) as { writes: Write[] }).writes;
    requests.push(writes);
    return answer(writes);
  });
});

afterEach(() => vi.unstubAllGlobals());

describe('a poisoned write', () => {
  it('is isolated by splitting a batch the server fails on, and everything else goes', async () => {
    for (let i = 0; i < 9; i++) await queue(i === 5 ? 'poison' : `visit ${i}`);
    answer = (writes) => (writes.some((w) => w.body.notes === 'poison') ? json(500, { message: 'boom' }) : created(writes));
    const outcome = await outbox.drain();
    expect(outcome).toMatchObject({ sent: 8, failed: false });
    const left = await outbox.items();
    expect(left.map((i) => i.body.notes)).toEqual(['poison']);
    expect(left[0]).toMatchObject({ state: 'pending', alone: true, error: { reason: 'server-error' } });
    expect(requests.length).toBeLessThanOrEqual(1 + 2 * Math.ceil(Math.log2(9)));
    // next time it goes alone, after the others
    await queue('later');
    answer = (writes) => (writes.some((w) => w.body.notes === 'poison') ? json(500, {}) : created(writes));
    requests = [];
    await outbox.drain();
    expect(requests.map((r) => r.map((w) => w.body.notes))).toEqual([['later'], ['poison']]);
  });

  it('that the server refuses for what it holds (422, 413) is marked invalid with the reason', async () => {
    await queue('ok 1');
    await queue('too big');
    await queue('ok 2');
    answer = (writes) => (writes.some((w) => w.body.notes === 'too big') ? json(413, { message: 'Request too large' }) : created(writes));
    await outbox.drain();
    const [left] = await outbox.items();
    expect(left).toMatchObject({ state: 'invalid', body: { notes: 'too big' }, error: { message: 'Request too large', reason: 'rejected' } });
  });
});

describe('when nothing can succeed', () => {
  it('sends nothing while the device is offline', async () => {
    await queue('offline');
    vi.stubGlobal('navigator', { onLine: false });
    expect(await outbox.drain()).toMatchObject({ sent: 0, offline: true });
    expect(requests).toEqual([]);
  });

  it('keeps everything, unsplit, when the server is away or the session ended', async () => {
    for (let i = 0; i < 4; i++) await queue(`v${i}`);
    for (const status of [502, 503, 401]) {
      requests = [];
      answer = () => json(status, {});
      const outcome = await outbox.drain();
      expect(outcome.failed).toBe(true);
      expect(outcome.signedOut).toBe(status === 401);
      expect(requests).toHaveLength(1);
      expect((await outbox.items()).map((i) => i.state)).toEqual(['pending', 'pending', 'pending', 'pending']);
    }
  });
});

describe('whose writes', () => {
  it('sends and shows only the signed-in user\'s; the others wait for their owner', async () => {
    await queue('mine');
    await outbox.setOwner({ id: 8, name: '李经理' });
    await queue('theirs');
    expect((await outbox.items()).map((i) => i.body.notes)).toEqual(['theirs']);
    await outbox.drain();
    expect(requests.flat().map((w) => w.body.notes)).toEqual(['theirs']);
    await outbox.setOwner(null);
    expect(await outbox.items()).toEqual([]);
    expect(await outbox.drain()).toMatchObject({ sent: 0 });
    expect((await outbox.allItems()).map((i) => [i.body.notes, i.owner?.name])).toEqual([['mine', '王经理']]);
    await outbox.discardOwnedBy(8); // nothing of theirs is left; mine stays
    expect(await outbox.allItems()).toHaveLength(1);
  });
});

describe('one form, one write', () => {
  it('keeps the first of two saves with the same client id', async () => {
    const id = outbox.newClientId();
    await outbox.enqueue({ client_id: id, kind: 'interaction', body: { notes: 'tap 1', replaces: null } });
    await outbox.enqueue({ client_id: id, kind: 'interaction', body: { notes: 'tap 2', replaces: null } });
    expect((await outbox.items()).map((i) => i.body.notes)).toEqual(['tap 1']);
  });
});

describe('an edit of an unsent edit', () => {
  it('replaces it and keeps the version both were made on', async () => {
    const first = await queue('edit 1', { body: { notes: 'edit 1', replaces: 'visit-a' }, base_version: 1 });
    const second = { client_id: outbox.newClientId(), kind: 'interaction' as const, body: { notes: 'edit 2', replaces: 'visit-a' }, base_version: 99 };
    await outbox.enqueueReplacing(second, first.client_id);
    const left = await outbox.items();
    expect(left.map((i) => [i.body.notes, i.base_version])).toEqual([['edit 2', 1]]);
  });

  it('of an unsent new visit goes after it, based on the version the visit creates', async () => {
    const visit = await queue('new visit');
    await outbox.enqueueReplacing({ client_id: outbox.newClientId(), kind: 'interaction', body: { notes: 'fixed', replaces: visit.client_id }, base_version: 1 }, visit.client_id);
    expect((await outbox.items()).map((i) => i.body.notes)).toEqual(['new visit', 'fixed']);
  });

  it('an answer for an edit replaced meanwhile does not bring it back', async () => {
    const first = await queue('edit 1', { body: { notes: 'edit 1', replaces: 'visit-a' }, base_version: 1 });
    answer = (writes) => {
      // while the request is out, the RM edits again
      void outbox.enqueueReplacing({ client_id: 'edit-2', kind: 'interaction', body: { notes: 'edit 2', replaces: 'visit-a' } }, first.client_id);
      return json(200, { results: writes.map((w) => ({ client_id: w.client_id, status: 'conflict', server: { version: 2 } })) });
    };
    await outbox.drain();
    expect((await outbox.items()).map((i) => [i.client_id, i.state])).toEqual([['edit-2', 'pending']]);
  });
});
