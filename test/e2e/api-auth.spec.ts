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
interface OperationField {
  name: string;
  args: InputField[];
  type: TypeRef;
}

const TYPE_REF = 'kind name ofType { kind name ofType { kind name ofType { kind name } } }';
const SCHEMA_QUERY = `query {
  __schema {
    queryType { fields { name args { name type { ${TYPE_REF} } } type { ${TYPE_REF} } } }
    mutationType { fields { name args { name type { ${TYPE_REF} } } type { ${TYPE_REF} } } }
    types { name kind inputFields { name type { ${TYPE_REF} } } }
  }
}`;

const namedType = (type: TypeRef): TypeRef => (type.ofType ? namedType(type.ofType) : type);

/**
 * Every query and every mutation the schema has (the federation fields
 * `_service` and `_entities` too), each with the least arguments that make it
 * a valid document (required ones only, placeholder values): the door must
 * answer before any resolver sees them. Read from the schema itself (with the
 * token), so an operation added later is covered without touching this file.
 */
async function everyOperation(h: ApiHarness): Promise<Array<{ name: string; document: string }>> {
  const { data, errors } = await h.graphql<{
    __schema: {
      queryType: { fields: OperationField[] };
      mutationType: { fields: OperationField[] };
      types: Array<{ name: string; kind: string; inputFields: InputField[] | null }>;
    };
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
  const documents = (operation: 'query' | 'mutation', fields: OperationField[]) =>
    fields.map((field) => {
      const args = requiredArgs(field.args);
      const selection = ['SCALAR', 'ENUM'].includes(namedType(field.type).kind) ? '' : ' { __typename }';
      return { name: field.name, document: `${operation} { ${field.name}${args ? `(${args})` : ''}${selection} }` };
    });
  return [...documents('query', data!.__schema.queryType.fields), ...documents('mutation', data!.__schema.mutationType.fields)];
}

describe('API: the bearer token on every GraphQL operation', () => {
  describe('with MPR_API_TOKEN set', () => {
    let h: ApiHarness;
    before(async () => {
      h = await startApi();
    });
    after(() => h?.stop());

    it('refuses every query and mutation without the token, or with a wrong one, as UNAUTHENTICATED with 401', async () => {
      const operations = await everyOperation(h);
      const names = operations.map((o) => o.name);
      for (const expected of ['assets', 'jobs', 'presets', 'systemStatus', '_service', '_entities', 'scanMediaFolder', 'createJob']) {
        assert.ok(names.includes(expected), `${expected} in ${names.join(', ')}`);
      }
      for (const { name, document } of operations) {
        for (const token of [null, 'x'.repeat(API_TOKEN.length), `${API_TOKEN}x`]) {
          const { status, errors, data } = await h.graphql(document, { token });
          assert.equal(errors?.[0]?.extensions?.code, 'UNAUTHENTICATED', `${name} with token ${token}: ${JSON.stringify(errors)}`);
          assert.equal(status, 401, name);
          assert.equal(data ?? null, null, name);
        }
      }
    });

    it('says what is missing, or that the token is wrong', async () => {
      const anonymous = await h.graphql('query { presets { id } }', { token: null });
      assert.equal(anonymous.errors![0].message, 'every GraphQL operation needs an "Authorization: Bearer <token>" header');
      const wrong = await h.graphql('query { presets { id } }', { token: 'y'.repeat(API_TOKEN.length) });
      assert.equal(wrong.errors![0].message, 'the bearer token is not valid');
    });

    it('lets every operation past the door with the token (whatever the resolver then says)', async () => {
      for (const { name, document } of await everyOperation(h)) {
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

    it('guards no operation', async () => {
      const operations = await everyOperation(h);
      assert.ok(operations.length >= 16);
      for (const { name, document } of operations) {
        const { errors } = await h.graphql(document, { token: null });
        assert.notEqual(errors?.[0]?.extensions?.code, 'UNAUTHENTICATED', `${name}: ${JSON.stringify(errors)}`);
      }
    });
  });
});
