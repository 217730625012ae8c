// Checks our BSON against the official `bson` npm package. Input (argv[2]): a JSON array of
// { name, hex, ejson } where hex is our encoding and ejson our canonical Extended JSON of the same document.
// Output (stdout): a JSON array of { name, decoded, expected, reencodedHex }:
//   decoded      = canonical EJSON of what bson decodes from our bytes
//   expected     = canonical EJSON of what bson parses from our EJSON
//   reencodedHex = bson's encoding of the document parsed from our EJSON
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const require = createRequire(process.env.SYNCTOOLS_TEST_NODE_MODULES + '/');
const { BSON, EJSON } = require('bson');
const options = { promoteValues: false, promoteLongs: false, promoteBuffers: false, bsonRegExp: true };

const cases = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const results = cases.map(({ name, hex, ejson }) => {
  try {
    const decoded = BSON.deserialize(Buffer.from(hex, 'hex'), options);
    const parsed = EJSON.parse(ejson, { relaxed: false });
    return {
      name,
      decoded: EJSON.stringify(decoded, { relaxed: false }),
      expected: EJSON.stringify(parsed, { relaxed: false }),
      reencodedHex: Buffer.from(BSON.serialize(parsed)).toString('hex'),
    };
  } catch (e) {
    return { name, error: String(e && e.stack || e) };
  }
});
process.stdout.write(JSON.stringify(results));
