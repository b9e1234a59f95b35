// SPDX-License-Identifier: Apache-2.0
// Local APNs + FCM (+ OAuth2 token endpoint) fake over HTTP/2 and TLS, for tests, the
// demo and staging. Node's built-in http2 and crypto only.
//
//   node push_fake.js CONFIG.json      prints {"port":N} on stdout when listening
//
// It checks what Apple and Google check (ES256 provider tokens: kid, iss, age, signature;
// RS256 OAuth2 assertions: iss, aud, scope, signature; our own access tokens; topics,
// device tokens, payload size and JSON) and answers with their real error bodies.
// Faults are scripted per device token through POST /control/faults, the app a device
// token belongs to through POST /control/device-topics; every request is recorded
// (GET /control/requests).
'use strict';
const fs = require('fs');
const http2 = require('http2');
const crypto = require('crypto');

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const requests = [];
let faults = {};            // token -> {status, reason, retry_after, count, delay_ms, goaway}
let issued = {};            // access token -> expiry (ms)
let tokenRequests = 0;
let messageCount = 0;
let refusingUntil = 0;
let deviceTopics = {};      // APNs device token -> the app (topic) it was issued for

function b64urlJson(part) {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

// Signatures already verified, by token and key (APNs checks a provider token once per
// connection, not per push; claims such as the age are still checked on every request).
const verified = new Map();

function verifyJwt(jwt, alg, publicPem) {
  const memo = verified.get(jwt);
  if (memo && memo.pem === publicPem && memo.alg === alg) return memo.result;
  const result = verifyJwtSignature(jwt, alg, publicPem);
  if (result) {
    if (verified.size >= 1000) verified.clear();
    verified.set(jwt, { pem: publicPem, alg, result });
  }
  return result;
}

function verifyJwtSignature(jwt, alg, publicPem) {
  const parts = (jwt || '').split('.');
  if (parts.length !== 3) return null;
  let header, claims;
  try { header = b64urlJson(parts[0]); claims = b64urlJson(parts[1]); } catch (e) { return null; }
  if (header.alg !== alg) return null;
  const key = crypto.createPublicKey(publicPem);
  const ok = crypto.verify('sha256', Buffer.from(parts[0] + '.' + parts[1]),
    alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key,
    Buffer.from(parts[2], 'base64url'));
  return ok ? { header, claims } : null;
}

function takeFault(token) {
  const f = faults[token];
  if (!f) return null;
  if (f.count !== undefined && f.count !== -1) {
    if (f.count <= 0) return null;
    f.count -= 1;
  }
  return f;
}

function send(stream, status, headers, body) {
  if (stream.destroyed || stream.closed) return;
  try {
    stream.respond(Object.assign({ ':status': status }, headers));
    stream.end(body === undefined ? '' : (typeof body === 'string' ? body : JSON.stringify(body)));
  } catch (e) { /* client went away */ }
}

function apnsError(stream, status, reason, extra) {
  const body = { reason };
  if (status === 410) body.timestamp = Date.now();
  send(stream, status, Object.assign({ 'content-type': 'application/json' }, extra || {}), body);
}

// The TLS client certificate of a certificate-auth connection, or null. Apple puts the
// app's bundle id (the certificate's one topic) in the subject's UID.
function clientCertificate(stream) {
  const socket = stream.session && stream.session.socket;
  const cert = socket && socket.getPeerCertificate ? socket.getPeerCertificate() : null;
  if (!cert || !cert.subject) return null;
  return { authorized: socket.authorized === true, topic: cert.subject.UID, cn: cert.subject.CN };
}

function checkProviderToken(stream, headers, record) {
  const auth = headers['authorization'] || '';
  if (!auth.startsWith('bearer ')) return apnsError(stream, 403, 'MissingProviderToken');
  const jwt = auth.slice(7);
  let header;
  try { header = b64urlJson(jwt.split('.')[0]); } catch (e) { return apnsError(stream, 403, 'InvalidProviderToken'); }
  const key = (config.apns.keys || {})[header.kid];
  if (!key) return apnsError(stream, 403, 'InvalidProviderToken');
  const v = verifyJwt(jwt, 'ES256', key.public_pem);
  if (!v || v.claims.iss !== key.team) return apnsError(stream, 403, 'InvalidProviderToken');
  record.jwt = v.claims;
  const now = Date.now() / 1000;
  if (typeof v.claims.iat !== 'number' || v.claims.iat > now + 60) return apnsError(stream, 403, 'InvalidProviderToken');
  if (now - v.claims.iat > (config.apns.token_max_age || 3600)) return apnsError(stream, 403, 'ExpiredProviderToken');
  return true;
}

function handleApns(stream, headers, body, record) {
  const token = headers[':path'].slice('/3/device/'.length);
  record.kind = 'apns'; record.token = token;
  // Certificate auth: trust is per connection and the authorization header is ignored.
  const cert = clientCertificate(stream);
  if (cert) {
    if (!cert.authorized || !cert.topic) return apnsError(stream, 403, 'BadCertificate');
    record.certificate = { topic: cert.topic, cn: cert.cn };
  } else if (checkProviderToken(stream, headers, record) !== true) {
    return;
  }
  if (!/^[0-9a-fA-F]{64,200}$/.test(token)) return apnsError(stream, 400, 'BadDeviceToken');
  const topic = headers['apns-topic'] || (cert && cert.topic);
  if (!topic) return apnsError(stream, 400, 'MissingTopic');
  // A device token belongs to one app: pushed with another app's topic (a wrong `topic`
  // in the provider's configuration), APNs answers DeviceTokenNotForTopic.
  if (deviceTopics[token] && deviceTopics[token] !== topic) return apnsError(stream, 400, 'DeviceTokenNotForTopic');
  if (cert && topic !== cert.topic) return apnsError(stream, 400, 'TopicDisallowed');
  if (!(config.apns.topics || []).includes(topic)) return apnsError(stream, 400, 'TopicDisallowed');
  const type = headers['apns-push-type'];
  if (type && !['alert', 'background', 'voip', 'complication', 'fileprovider', 'mdm', 'location', 'liveactivity'].includes(type)) return apnsError(stream, 400, 'InvalidPushType');
  const id = headers['apns-id'] || crypto.randomUUID();
  if (!/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(id)) return apnsError(stream, 400, 'BadMessageId');
  const collapse = headers['apns-collapse-id'];
  if (collapse && Buffer.byteLength(collapse) > 64) return apnsError(stream, 400, 'BadCollapseId');
  if (body.length === 0) return apnsError(stream, 400, 'PayloadEmpty');
  if (body.length > 4096) return apnsError(stream, 413, 'PayloadTooLarge');
  try { record.payload = JSON.parse(body.toString('utf8')); } catch (e) { return apnsError(stream, 400, 'BadPayload'); }
  const priority = headers['apns-priority'];
  if (priority && !['1', '5', '10'].includes(priority)) return apnsError(stream, 400, 'BadPriority');
  if (type === 'background') {
    // Apple: a background push carries content-available and no alert, sound or badge-only
    // alert semantics, and must not use priority 10.
    const aps = (record.payload && record.payload.aps) || {};
    if (priority === '10') return apnsError(stream, 400, 'BadPriority');
    if (aps['content-available'] !== 1 || aps.alert !== undefined || aps.sound !== undefined) {
      return apnsError(stream, 400, 'BadPayload');
    }
  }
  record.apns_id = id;
  record.accepted = true;
  send(stream, 200, { 'apns-id': id });
}

function fcmError(stream, status, grpcStatus, message, code, extra) {
  const error = { code: status, message, status: grpcStatus };
  if (code) error.details = [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: code }];
  send(stream, status, Object.assign({ 'content-type': 'application/json; charset=UTF-8' }, extra || {}), { error });
}

function handleToken(stream, body, record) {
  record.kind = 'oauth';
  tokenRequests += 1;
  const form = new URLSearchParams(body.toString('utf8'));
  if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
    return send(stream, 400, { 'content-type': 'application/json' }, { error: 'unsupported_grant_type' });
  }
  const assertion = form.get('assertion') || '';
  let claims;
  try { claims = b64urlJson(assertion.split('.')[1]); } catch (e) { claims = {}; }
  const pem = (config.fcm.service_accounts || {})[claims.iss];
  const v = pem && verifyJwt(assertion, 'RS256', pem);
  record.jwt = claims;
  const now = Date.now() / 1000;
  if (!v) return send(stream, 400, { 'content-type': 'application/json' }, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
  if (v.claims.aud !== config.fcm.token_uri) return send(stream, 400, { 'content-type': 'application/json' }, { error: 'invalid_grant', error_description: 'Invalid JWT: Failed audience check.' });
  if (!String(v.claims.scope || '').split(' ').includes('https://www.googleapis.com/auth/firebase.messaging')) return send(stream, 400, { 'content-type': 'application/json' }, { error: 'invalid_scope' });
  if (!(v.claims.exp > now && v.claims.iat <= now + 60 && v.claims.exp - v.claims.iat <= 3600)) return send(stream, 400, { 'content-type': 'application/json' }, { error: 'invalid_grant', error_description: 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.' });
  const token = 'ya29.fake-' + crypto.randomBytes(12).toString('hex');
  const expiresIn = config.fcm.token_expires_in || 3600;
  issued[token] = Date.now() + expiresIn * 1000;
  record.accepted = true;
  send(stream, 200, { 'content-type': 'application/json' }, { access_token: token, expires_in: expiresIn, token_type: 'Bearer' });
}

// What FCM v1 refuses in a message (projects.messages resource, "Set up a Firebase Cloud
// Messaging client app": reserved data keys; AndroidMessagePriority NORMAL | HIGH).
function fcmMessageProblem(msg) {
  const data = msg.data || {};
  if (typeof data !== 'object' || Array.isArray(data)) return 'Invalid value at \'message.data\'';
  let size = 0;
  for (const [k, v] of Object.entries(data)) {
    if (typeof v !== 'string') return 'Invalid value at \'message.data\'';
    if (['from', 'notification', 'message_type'].includes(k) || k.startsWith('google.') || k.startsWith('gcm.')) {
      return 'Invalid data payload key: ' + k;
    }
    size += Buffer.byteLength(k) + Buffer.byteLength(v);
  }
  if (size > 4096) return 'Message payload too large';
  if (msg.notification !== undefined) {
    const n = msg.notification;
    if (typeof n !== 'object' || Object.values(n).some((v) => typeof v !== 'string')) return 'Invalid value at \'message.notification\'';
  }
  const android = msg.android || {};
  if (android.priority !== undefined && !['normal', 'high'].includes(String(android.priority).toLowerCase())) {
    return 'Invalid value at \'message.android.priority\'';
  }
  if (android.ttl !== undefined && !/^\d+(\.\d{1,9})?s$/.test(android.ttl)) return 'Invalid value at \'message.android.ttl\'';
  return null;
}

function handleFcm(stream, headers, body, record, project) {
  record.kind = 'fcm';
  const auth = headers['authorization'] || '';
  const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
  if (!issued[token] || issued[token] < Date.now()) {
    // Google's answer to an unknown or expired OAuth2 access token carries no FcmError
    // (THIRD_PARTY_AUTH_ERROR is about the APNs/web push credential uploaded to Firebase).
    return fcmError(stream, 401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.', null);
  }
  if (project !== config.fcm.project_id) return fcmError(stream, 403, 'PERMISSION_DENIED', 'Permission denied.', 'SENDER_ID_MISMATCH');
  let msg;
  try { msg = JSON.parse(body.toString('utf8')).message; } catch (e) { msg = null; }
  if (!msg || typeof msg.token !== 'string') return fcmError(stream, 400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.', 'INVALID_ARGUMENT');
  record.token = msg.token; record.payload = msg;
  if (!/^[A-Za-z0-9_:\-]{100,4096}$/.test(msg.token)) return fcmError(stream, 400, 'INVALID_ARGUMENT', 'The registration token is not a valid FCM registration token', 'INVALID_ARGUMENT');
  const problem = fcmMessageProblem(msg);
  if (problem) return fcmError(stream, 400, 'INVALID_ARGUMENT', problem, 'INVALID_ARGUMENT');
  // A data-only message: Android never shows it; it goes to the app's onMessageReceived.
  record.data_only = !msg.notification && !(msg.android && msg.android.notification);
  messageCount += 1;
  record.accepted = true;
  send(stream, 200, { 'content-type': 'application/json' }, { name: 'projects/' + project + '/messages/' + messageCount });
}

function applyFault(stream, session, record, token) {
  const f = takeFault(token);
  if (!f) return false;
  record.fault = f.status || (f.goaway ? 'goaway' : 'delay');
  if (f.goaway) {
    // GOAWAY with this stream refused: the client must retry on a new connection.
    session.goaway(http2.constants.NGHTTP2_NO_ERROR, 0);
    stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
    return true;
  }
  if (!f.status) return false;
  const extra = f.retry_after ? { 'retry-after': String(f.retry_after) } : {};
  if (record.kind === 'fcm') {
    const table = { 404: ['NOT_FOUND', 'Requested entity was not found.', 'UNREGISTERED'], 429: ['RESOURCE_EXHAUSTED', 'Quota exceeded.', 'QUOTA_EXCEEDED'], 500: ['INTERNAL', 'Internal error encountered.', 'INTERNAL'], 503: ['UNAVAILABLE', 'The service is currently unavailable.', 'UNAVAILABLE'], 400: ['INVALID_ARGUMENT', 'Invalid argument.', 'INVALID_ARGUMENT'] };
    const [st, m, code] = table[f.status] || ['UNKNOWN', 'error', f.reason];
    fcmError(stream, f.status, st, m, f.reason || code, extra);
  } else {
    apnsError(stream, f.status, f.reason || ({ 410: 'Unregistered', 429: 'TooManyRequests', 500: 'InternalServerError', 503: 'ServiceUnavailable' }[f.status] || 'BadRequest'), extra);
  }
  return true;
}

function control(stream, path, body) {
  if (path === '/control/requests') return send(stream, 200, { 'content-type': 'application/json' }, { requests, token_requests: tokenRequests });
  if (path === '/control/faults') { faults = Object.assign(faults, JSON.parse(body.toString('utf8') || '{}')); return send(stream, 200, {}, '{}'); }
  if (path === '/control/device-topics') { deviceTopics = Object.assign(deviceTopics, JSON.parse(body.toString('utf8') || '{}')); return send(stream, 200, {}, '{}'); }
  if (path === '/control/reset') { faults = {}; deviceTopics = {}; requests.length = 0; tokenRequests = 0; return send(stream, 200, {}, '{}'); }
  if (path === '/control/expire-tokens') { issued = {}; return send(stream, 200, {}, '{}'); }
  if (path === '/control/refuse') {
    // Refuse service for a while: every request gets its connection reset.
    refusingUntil = Date.now() + JSON.parse(body.toString('utf8') || '{}').ms;
    return send(stream, 200, {}, '{}');
  }
  send(stream, 404, {}, '{}');
}

const server = http2.createSecureServer({
  key: fs.readFileSync(config.tls_key), cert: fs.readFileSync(config.tls_cert),
  // Client certificates are asked for and checked against the test CA; a connection
  // without one uses token auth, one with an unknown issuer gets 403 BadCertificate.
  requestCert: !!config.client_ca, rejectUnauthorized: false,
  ca: config.client_ca ? fs.readFileSync(config.client_ca) : undefined,
  settings: { maxConcurrentStreams: 1000 },
});
server.on('stream', (stream, headers) => {
  const chunks = [];
  stream.on('data', (c) => chunks.push(c));
  stream.on('error', () => {});
  stream.on('end', () => {
    const body = Buffer.concat(chunks);
    const path = headers[':path'] || '';
    if (path.startsWith('/control/')) return control(stream, path, body);
    if (Date.now() < refusingUntil) {
      stream.session.destroy();
      return;
    }
    const record = { t: Date.now(), path, headers: Object.assign({}, headers) };
    if (path.startsWith('/3/device/')) record.kind = 'apns';
    else if (path === '/token') record.kind = 'oauth';
    else if (path.startsWith('/v1/projects/')) record.kind = 'fcm';
    delete record.headers.authorization;
    requests.push(record);
    const go = () => {
      const m = path.match(/^\/v1\/projects\/([^/]+)\/messages:send$/);
      let token = null;
      if (path.startsWith('/3/device/')) { record.kind = 'apns'; token = path.slice(10); }
      if (m) { record.kind = 'fcm'; try { token = JSON.parse(body.toString('utf8')).message.token; } catch (e) { token = null; } }
      if (token && applyFault(stream, stream.session, record, token)) return;
      if (headers[':method'] !== 'POST') return send(stream, 405, {}, { reason: 'MethodNotAllowed' });
      if (path.startsWith('/3/device/')) return handleApns(stream, headers, body, record);
      if (path === '/token') return handleToken(stream, body, record);
      if (m) return handleFcm(stream, headers, body, record, m[1]);
      send(stream, 404, {}, { reason: 'BadPath' });
    };
    const token = path.startsWith('/3/device/') ? path.slice(10) : null;
    const f = token && faults[token];
    // A delay holds the answer (with a scripted status: that answer, late).
    if (f && f.delay_ms && !f.goaway) setTimeout(go, f.delay_ms); else go();
  });
});
server.on('sessionError', () => {});
server.listen(config.port || 0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
});
process.on('SIGTERM', () => { server.close(); process.exit(0); });
