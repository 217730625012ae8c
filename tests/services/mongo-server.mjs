// Starts CongoDB, the in-memory MongoDB-wire server inside @push.rocks/smartmongo 2.2.0, on 127.0.0.1.
// Env: PORT; CONGODB_INDEX, the path of smartmongo's dist_ts/congodb/index.js.
// CongoDB keys documents by ObjectId hex and coerces every _id to ObjectId; the shim below lets
// string and number _ids through unchanged, as MongoDB does.
import { pathToFileURL } from 'node:url';

const { CongoServer, MemoryStorageAdapter, ObjectId } = await import(pathToFileURL(process.env.CONGODB_INDEX).href);

for (const [proto, tag] of [[String.prototype, 's:'], [Number.prototype, 'n:']]) {
  Object.defineProperty(proto, 'toHexString', { value() { return tag + this.valueOf(); }, configurable: true });
}
MemoryStorageAdapter.prototype.insertOne = async function (dbName, collName, doc) {
  const collection = this.ensureCollection(dbName, collName);
  const stored = { ...doc };
  if (stored._id === undefined || stored._id === null) stored._id = new ObjectId();
  const key = stored._id.toHexString();
  if (collection.has(key)) throw new Error(`E11000 duplicate key error: _id ${key}`);
  collection.set(key, stored);
  return stored;
};

const server = new CongoServer({ host: '127.0.0.1', port: Number(process.env.PORT) });
await server.start();
console.log(`congodb listening on 127.0.0.1:${process.env.PORT}`);
const stop = async () => { await server.stop(); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
