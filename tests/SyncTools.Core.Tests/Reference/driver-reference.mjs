// The official `mongodb` npm driver as a second opinion on what our client wrote, and as a writer for it to read.
//   node driver-reference.mjs read  URI DB COLLECTION   -> stdout: canonical EJSON array of the documents, by _id
//   node driver-reference.mjs write URI DB COLLECTION FILE -> inserts the canonical EJSON array in FILE
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const require = createRequire(process.env.SYNCTOOLS_TEST_NODE_MODULES + '/');
// The driver's own BSON: it refuses values made by another copy of the bson package.
const { MongoClient, BSON: { EJSON } } = require('mongodb');
const [mode, uri, db, name, file] = process.argv.slice(2);
const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
try {
  const collection = client.db(db).collection(name);
  if (mode === 'read') {
    const options = { promoteValues: false, promoteLongs: false, promoteBuffers: false, bsonRegExp: true };
    const documents = await collection.find({}, options).toArray();
    process.stdout.write(EJSON.stringify(documents, { relaxed: false }));
  } else {
    await collection.insertMany(EJSON.parse(readFileSync(file, 'utf8'), { relaxed: false }));
  }
} finally {
  await client.close();
}
