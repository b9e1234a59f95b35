// SPDX-License-Identifier: Apache-2.0
// Peer sender for the dispatch benchmark: @parse/node-apn (Node http2) sends N alert pushes
// to the local APNs sink (host/port/CA overridden), W outstanding at a time.
//
//   node bench/node_apn_send.js --port P --ca cert.pem --key AuthKey.p8 [--n 200000]
//       [--window 1000] [--timeout 300]
// Prints n, delivered, failed, seconds, rate, cpu_s (this process, sending phase only).
'use strict';

const path = require('path');
const fs = require('fs');

const args = {};
for (let i = 2; i + 1 < process.argv.length; i += 2) args[process.argv[i].slice(2)] = process.argv[i + 1];
const n = Number(args.n || 200000);
const windowSize = Number(args.window || 1000);
const timeoutMs = Number(args.timeout || 300) * 1000;

const apn = require(path.join(__dirname, 'node_modules', '@parse', 'node-apn'));

const provider = new apn.Provider({
  token: { key: fs.readFileSync(args.key), keyId: 'KEY1234567', teamId: 'TEAM123456' },
  address: '127.0.0.1',
  port: Number(args.port),
  ca: [fs.readFileSync(args.ca)],
  production: false,
  requestTimeout: timeoutMs,
});

function note(i) {
  const nt = new apn.Notification();
  nt.topic = 'com.example.chat';
  nt.pushType = 'alert';
  nt.priority = 10;
  nt.alert = { title: 'Virtual Agent', body: 'Hello, this is a benchmark notification body' };
  nt.badge = 3;
  nt.sound = 'default';
  nt.threadId = 'va@localhost';
  nt.collapseId = 'va@localhost';
  nt.id = '00000000-0000-4000-8000-' + i.toString(16).padStart(12, '0');
  nt.payload = { conversation: 'va@localhost', category: 'virtual_agent', unread: '1',
                 notification_id: i.toString(16).padStart(32, '0') };
  return nt;
}

function token(i) { return i.toString(16).padStart(64, '0'); }

async function main() {
  const warm = await provider.send(note(n), token(n));
  if (warm.sent.length !== 1) {
    console.error('node_apn_send: warm-up failed', JSON.stringify(warm.failed));
    process.exit(1);
  }
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let next = 0, done = 0, delivered = 0, firstError = null;
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    const pump = () => {
      while (next < n && next - done < windowSize) {
        const i = next++;
        provider.send(note(i), token(i)).then((r) => {
          done++;
          delivered += r.sent.length;
          if (r.failed.length && !firstError) firstError = JSON.stringify(r.failed[0]);
          if (done === n) { clearTimeout(timer); resolve(); } else pump();
        });
      }
    };
    pump();
  });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  console.log(`n=${n} delivered=${delivered} failed=${done - delivered} seconds=${secs.toFixed(3)} ` +
              `rate=${Math.round(delivered / secs)} cpu_s=${((cpu.user + cpu.system) / 1e6).toFixed(3)} ` +
              `window=${windowSize}`);
  if (firstError) console.error('node_apn_send: first failure', firstError);
  provider.shutdown();
  process.exit(delivered === n ? 0 : 1);
}

main().catch((e) => { console.error(e); process.exit(1); });
