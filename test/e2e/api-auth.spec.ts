import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { API_TOKEN, type ApiHarness, startApi } from './api-harness';

interface TypeRef {
  kind: string;
  name: string | null;
  ofType: TypeRef | null;
}
interface InputField {
  name: string;
  type: TypeRef;
}
interface MutationField {
  name: string;
  args: InputField[];
}

const TYPE_REF = 'kind name ofType { kind name ofType { kind name ofType { kind name } } }';
const SCHEMA_QUERY = `query {
  __schema {
    mutationType { fields { name args { name type { ${TYPE_REF} } } } }
    types { name kind inputFields { name type { ${TYPE_REF} } } }
  }
}`;

/**
 * Every mutation the schema has, each with the least arguments that make it a
 * valid document (required ones only, placeholder values): the guard must
 * answer before any resolver sees them. Read from the schema itself, so a
 * mutation added later is covered without touching this file.
 */
async function everyMutation(h: ApiHarness): Promise<Array<{ name: string; document: string }>> {
  const { data, errors } = await h.graphql<{
    __schema: { mutationType: { fields: MutationField[] }; types: Array<{ name: string; kind: string; inputFields: InputField[] | null }> };
  }>(SCHEMA_QUERY);
  assert.equal(errors, undefined, JSON.stringify(errors));
  const inputTypes = new Map(data!.__schema.types.filter((t) => t.kind === 'INPUT_OBJECT').map((t) => [t.name, t.inputFields ?? []]));
  const literal = (type: TypeRef): string | undefined => {
    if (type.kind === 'NON_NULL') return literal(type.ofType!);
    if (type.kind === 'LIST') return '[]';
    if (type.kind === 'INPUT_OBJECT') return `{ ${requiredArgs(inputTypes.get(type.name!) ?? [])} }`;
    if (type.kind === 'ENUM') return undefined;
    return { Int: '1', Float: '1', Boolean: 'true' }[type.name!] ?? '"placeholder"';
  };
  const requiredArgs = (fields: InputField[]) =>
    fields
      .filter((f) => f.type.kind === 'NON_NULL')
      .map((f) => `${f.name}: ${literal(f.type)}`)
      .join(', ');
  return data!.__schema.mutationType.fields.map((field) => {
    const args = requiredArgs(field.args);
    return { name: field.name, document: `mutation { ${field.name}${args ? `(${args})` : ''} { __typename } }` };
  });
}

describe('API: the bearer token on every mutation', () => {
  describe('with MPR_API_TOKEN set', () => {
    let h: ApiHarness;
    before(async () => {
      h = await startApi();
    });
    after(() => h?.stop());

    it('refuses every mutation without the token, or with a wrong one, as UNAUTHENTICATED', async () => {
      const mutations = await everyMutation(h);
      assert.ok(mutations.length >= 8, mutations.map((m) => m.name).join(', '));
      for (const { name, document } of mutations) {
        for (const token of [null, 'x'.repeat(API_TOKEN.length), `${API_TOKEN}x`]) {
          const { errors, data } = await h.graphql(document, { token });
          assert.equal(errors?.[0]?.extensions?.code, 'UNAUTHENTICATED', `${name} with token ${token}: ${JSON.stringify(errors)}`);
          assert.equal(data?.[name] ?? null, null, name);
        }
      }
    });

    it('lets every mutation past the guard with the token (whatever the resolver then says)', async () => {
      for (const { name, document } of await everyMutation(h)) {
        const { errors } = await h.graphql(document);
        assert.notEqual(errors?.[0]?.extensions?.code, 'UNAUTHENTICATED', `${name}: ${JSON.stringify(errors)}`);
      }
    });
  });

  describe('with MPR_API_TOKEN unset', () => {
    let h: ApiHarness;
    before(async () => {
      h = await startApi({ MPR_API_TOKEN: '' });
    });
    after(() => h?.stop());

    it('guards no mutation', async () => {
      const mutations = await everyMutation(h);
      assert.ok(mutations.length >= 8);
      for (const { name, document } of mutations) {
        const { errors } = await h.graphql(document, { token: null });
        assert.notEqual(errors?.[0]?.extensions?.code, 'UNAUTHENTICATED', `${name}: ${JSON.stringify(errors)}`);
      }
    });
  });
});
