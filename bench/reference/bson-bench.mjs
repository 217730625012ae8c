// The official `bson` npm package on the same typical rows as bench/SyncTools.Bench/BsonBenchmark.cs:
// median of 7 runs after a warm-up. Prints {"encode": docs/s, "decode": docs/s, "bytes": total encoded bytes}.
import { createRequire } from 'node:module';

const require = createRequire(process.env.SYNCTOOLS_TEST_NODE_MODULES + '/');
const { BSON, ObjectId, Long, Int32, Double, Decimal128, Binary, UUID } = require('bson');
const count = Number(process.argv[2] || 200000);
const statuses = ['ACTIVE', 'SUSPENDED', 'TERMINATED'];
const hex8 = (i) => i.toString(16).padStart(8, '0');
const rows = Array.from({ length: count }, (_, i) => ({
  _id: Long.fromNumber(i),
  account_id: new ObjectId('64b7f0c2a1b2c3d4e5f60718'),
  msisdn: '+4479' + String(i).padStart(8, '0'),
  iccid: '8944' + String(i).padStart(15, '0'),
  status: statuses[i % 3],
  plan: 'Unlimited 5G',
  balance: Decimal128.fromString(`${1234 + i}.56`),
  data_used_mb: new Double(i * 1.5),
  sms_count: new Int32(i % 1000),
  roaming: i % 2 === 0,
  activated_at: new Date(1684216515000 + i),
  updated_at: new Date(1700000000000 + i),
  device_id: new UUID(`${hex8(i)}-0002-0003-0405-060708090a0b`).toBinary(),
  tags: ['kyc', 'esim'],
  address: { city: 'London', postcode: 'EC1A 1BB' },
}));
const encoded = rows.map((r) => BSON.serialize(r));
const bytes = encoded.reduce((n, b) => n + b.length, 0);

function median(work) {
  work();
  const times = [];
  for (let r = 0; r < 7; r++) {
    const t0 = process.hrtime.bigint();
    work();
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  times.sort((a, b) => a - b);
  return count / times[3];
}

const encode = median(() => { for (const r of rows) BSON.serialize(r); });
const decode = median(() => { for (const e of encoded) BSON.deserialize(e); });
process.stdout.write(JSON.stringify({ encode, decode, bytes }));
