import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/client';
import { IMPORT_MAX_BYTES, importJourney } from './actions';

// What the server answers an upload; each test sets it.
let serverAnswer: () => Promise<unknown>;
const uploads: unknown[] = [];
vi.mock('../api/editorApi', () => ({
  editorApi: () => ({
    importJourney: (document: unknown) => {
      uploads.push(document);
      return serverAnswer();
    },
  }),
}));

function jsonFileOf(bytes: number): File {
  const text = JSON.stringify({ format: 'cjo.journey', padding: '' });
  return new File([text.replace('""', `"${'x'.repeat(bytes - text.length)}"`)], 'journey.json');
}

beforeEach(() => {
  uploads.length = 0;
});

describe('importJourney', () => {
  it('refuses a file larger than the server reads, before uploading it', async () => {
    const notify = vi.fn();

    await importJourney(jsonFileOf(IMPORT_MAX_BYTES + 1), notify);

    expect(uploads).toHaveLength(0);
    expect(notify).toHaveBeenCalledWith('That file is larger than 2.5 MB, the most the server takes for an import.', 'error');
  });

  it("uploads a file at the limit and shows the server's reason when it is refused", async () => {
    const notify = vi.fn();
    serverAnswer = () => Promise.reject(new ApiError(400, { detail: 'not a journey export' }, 'POST failed'));

    await importJourney(jsonFileOf(IMPORT_MAX_BYTES), notify);

    expect(uploads).toHaveLength(1);
    expect(notify).toHaveBeenCalledWith('Import failed: not a journey export', 'error');
  });
});
