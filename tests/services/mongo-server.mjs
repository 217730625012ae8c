// Starts CongoDB, the in-memory MongoDB-wire server inside @push.rocks/smartmongo 2.2.0, on 127.0.0.1.
// Env: PORT; CONGODB_INDEX, the path of smartmongo's dist_ts/congodb/index.js.
// CongoDB keys documents by ObjectId hex and coerces every _id to ObjectId, and its insert handler takes a
// falsy _id (0, "", false) for a missing one; the shim below keeps string, number, Int64 and boolean _ids as they
// are, as MongoDB does.
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const congo = (path) => import(pathToFileURL(join(dirname(process.env.CONGODB_INDEX), path)).href);
const { CongoServer, MemoryStorageAdapter, ObjectId, Long } = await congo('index.js');
const { InsertHandler } = await congo('server/handlers/InsertHandler.js');

// An Int64 beyond JavaScript's safe integers arrives as a bson Long: keyed like a number, as MongoDB compares them.
for (const [proto, tag] of [[String.prototype, 's:'], [Number.prototype, 'n:'], [Boolean.prototype, 'b:'], [Long.prototype, 'n:']]) {
  Object.defineProperty(proto, 'toHexString', { value() { return tag + this.valueOf(); }, configurable: true });
}
const insert = InsertHandler.prototype.handle;
InsertHandler.prototype.handle = function (context) {
  const documents = context.documentSequences?.get('documents') ?? context.command.documents ?? [];
  for (const doc of documents) {
    if (doc && doc._id !== undefined && doc._id !== null && !doc._id) doc._id = Object(doc._id); // boxed: truthy
  }
  return insert.call(this, context);
};
MemoryStorageAdapter.prototype.insertOne = async function (dbName, collName, doc) {
  const collection = this.ensureCollection(dbName, collName);
  const stored = { ...doc };
  if (stored._id instanceof Number || stored._id instanceof String || stored._id instanceof Boolean) stored._id = stored._id.valueOf();
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
