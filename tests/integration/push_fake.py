# SPDX-License-Identifier: Apache-2.0
"""Starts the local APNs/FCM fake (tests/fakes/push_fake.js) with fresh credentials.

    fakes = PushFakes(); fakes.start()
    yaml = fakes.apps_yaml(config_dir)     # apps: ios (apns) + android (fcm) pointing at it
    fakes.set_fault(token, status=410)      # or retry_after=, count=, goaway=True, delay_ms=
    fakes.apns_pushes()                     # accepted APNs requests, payload parsed
    fakes.stop()

Generates at start: a test CA and a server certificate for 127.0.0.1/localhost (or for
a wrong host name, to prove TLS fails closed), an APNs .p8 key (EC P-256) and a Google
service account (RSA 2048), all with the openssl CLI. Stdlib only.
"""

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time

import rig

FAKE_JS = os.path.join(rig.SOURCE_DIR, 'tests', 'fakes', 'push_fake.js')
TEAM_ID = 'TEAM123456'
KEY_ID = 'KEY1234567'
TOPIC = 'com.example.chat'
PROJECT = 'vapush-test'
CLIENT_EMAIL = 'vapush@vapush-test.iam.gserviceaccount.com'


def _openssl(*args, cwd):
    subprocess.run(['openssl'] + list(args), cwd=cwd, check=True, capture_output=True, timeout=60)


class PushFakes:
    def __init__(self, wrong_host=False, token_expires_in=3600, base_dir=None):
        self.dir = base_dir or tempfile.mkdtemp(prefix='vapush-pushfake-')
        self.wrong_host = wrong_host
        self.token_expires_in = token_expires_in
        self.proc = None
        self.port = None

    # -- credentials --------------------------------------------------------------------------
    def _credentials(self):
        d = self.dir
        _openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
                 '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=vapush test CA',
                 cwd=d)
        san = 'DNS:wrong.example' if self.wrong_host else 'IP:127.0.0.1,DNS:localhost'
        _openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
                 '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=push fake', cwd=d)
        with open(os.path.join(d, 'ext.cnf'), 'w') as f:
            f.write('subjectAltName=%s\nbasicConstraints=CA:FALSE\n' % san)
        _openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key',
                 '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf',
                 cwd=d)
        _openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256',
                 '-out', 'AuthKey.p8', cwd=d)
        _openssl('pkey', '-in', 'AuthKey.p8', '-pubout', '-out', 'AuthKey.pub', cwd=d)
        _openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048',
                 '-out', 'sa.key', cwd=d)
        _openssl('pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub', cwd=d)

    def start(self):
        self._credentials()
        self.port = rig.free_port()
        self.token_uri = 'https://127.0.0.1:%d/token' % self.port
        def read(name):
            with open(os.path.join(self.dir, name)) as f:
                return f.read()
        with open(os.path.join(self.dir, 'service-account.json'), 'w') as f:
            json.dump({'type': 'service_account', 'project_id': PROJECT,
                       'private_key_id': 'k1', 'private_key': read('sa.key'),
                       'client_email': CLIENT_EMAIL, 'token_uri': self.token_uri}, f)
        cfg = {'port': self.port, 'tls_key': os.path.join(self.dir, 'server.key'),
               'tls_cert': os.path.join(self.dir, 'server.pem'),
               'client_ca': os.path.join(self.dir, 'ca.pem'),
               'apns': {'keys': {KEY_ID: {'team': TEAM_ID, 'public_pem': read('AuthKey.pub')}},
                        'topics': [TOPIC]},
               'fcm': {'project_id': PROJECT, 'token_uri': self.token_uri,
                       'token_expires_in': self.token_expires_in,
                       'service_accounts': {CLIENT_EMAIL: read('sa.pub')}}}
        with open(os.path.join(self.dir, 'fake.json'), 'w') as f:
            json.dump(cfg, f)
        self.log = open(os.path.join(self.dir, 'fake.log'), 'w')
        self.proc = subprocess.Popen(['node', FAKE_JS, os.path.join(self.dir, 'fake.json')],
                                     stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.proc.stdout.readline()
        if not line:
            raise rig.RigError('push fake did not start; see %s' % self.log.name)
        self.port = json.loads(line)['port']
        self.endpoint = 'https://127.0.0.1:%d' % self.port
        return self

    def stop(self):
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc.stdout.close()
            self.log.close()
            self.proc = None

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def client_certificate(self, config_dir, name, topic=TOPIC, trusted=True, p12_password=None):
        """An APNs-style client certificate (subject UID = topic) signed by the test CA, or
        by an unrelated CA when not `trusted`, written into config_dir as NAME.pem +
        NAME.key, or as NAME.p12 with `p12_password` (also in NAME.pass). Returns the
        file names."""
        d = self.dir
        ca = 'ca'
        if not trusted:
            ca = 'other-ca'
            _openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
                     '-nodes', '-keyout', 'other-ca.key', '-out', 'other-ca.pem', '-days', '2',
                     '-subj', '/CN=some other CA', cwd=d)
        _openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', name + '.key',
                 '-out', name + '.csr',
                 '-subj', '/UID=%s/CN=Apple Push Services: %s/OU=%s' % (topic, topic, TEAM_ID),
                 cwd=d)
        _openssl('x509', '-req', '-in', name + '.csr', '-CA', ca + '.pem', '-CAkey', ca + '.key',
                 '-CAcreateserial', '-out', name + '.pem', '-days', '2', cwd=d)
        files = [name + '.pem', name + '.key']
        if p12_password is not None:
            _openssl('pkcs12', '-export', '-inkey', name + '.key', '-in', name + '.pem',
                     '-out', name + '.p12', '-passout', 'pass:' + p12_password, cwd=d)
            with open(os.path.join(d, name + '.pass'), 'w') as f:
                f.write(p12_password + '\n')
            files = [name + '.p12', name + '.pass']
        for f in files:
            shutil.copy(os.path.join(d, f), os.path.join(config_dir, f))
            os.chmod(os.path.join(config_dir, f), 0o600)
        return files

    # -- control ------------------------------------------------------------------------------
    def _control(self, path, body=None):
        # The fake speaks HTTP/2 only; Python's stdlib has no HTTP/2 client, curl does.
        args = ['curl', '-sS', '--http2', '--cacert', os.path.join(self.dir, 'ca.pem'),
                '--max-time', '10']
        if self.wrong_host:
            args.append('-k')
        if body is not None:
            args += ['-X', 'POST', '-H', 'content-type: application/json', '--data-binary',
                     json.dumps(body)]
        out = subprocess.run(args + [self.endpoint + path], capture_output=True, text=True,
                             check=True, timeout=20)
        return json.loads(out.stdout or '{}')

    def send_fcm(self, message):
        """Sends one FCM v1 message as any client would (OAuth2 token from a signed
        assertion, then messages:send) -> (HTTP status, parsed answer). For testing the
        fake's own checks."""
        def b64(data):
            return base64.urlsafe_b64encode(data).rstrip(b'=').decode()
        now = int(time.time())
        signing_input = '%s.%s' % (
            b64(json.dumps({'alg': 'RS256', 'typ': 'JWT'}).encode()),
            b64(json.dumps({'iss': CLIENT_EMAIL, 'aud': self.token_uri, 'iat': now,
                            'exp': now + 600,
                            'scope': 'https://www.googleapis.com/auth/firebase.messaging'})
                .encode()))
        sig = subprocess.run(['openssl', 'dgst', '-sha256', '-sign',
                              os.path.join(self.dir, 'sa.key')], input=signing_input.encode(),
                             capture_output=True, check=True, timeout=20).stdout
        curl = ['curl', '-sS', '--http2', '--cacert', os.path.join(self.dir, 'ca.pem'),
                '--max-time', '10', '-w', '\n%{http_code}']
        out = subprocess.run(curl + ['--data-urlencode',
                                     'grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer',
                                     '--data-urlencode', 'assertion=%s.%s' % (signing_input,
                                                                              b64(sig)),
                                     self.token_uri], capture_output=True, text=True,
                             check=True, timeout=20).stdout
        access = json.loads(out.rsplit('\n', 1)[0])['access_token']
        out = subprocess.run(curl + ['-H', 'authorization: Bearer ' + access, '-H',
                                     'content-type: application/json', '--data-binary',
                                     json.dumps({'message': message}),
                                     '%s/v1/projects/%s/messages:send' % (self.endpoint,
                                                                          PROJECT)],
                             capture_output=True, text=True, check=True, timeout=20).stdout
        body, status = out.rsplit('\n', 1)
        return int(status), json.loads(body or '{}')

    def set_fault(self, token, **fault):
        """status=410|429|500|503 (reason=, retry_after=), goaway=True, delay_ms=N (with
        status: that answer, late); count=N limits it to the next N requests for that
        token (default: all)."""
        self._control('/control/faults', {token: fault})

    def set_device_topic(self, token, topic=TOPIC):
        """The app (bundle id) an APNs device token was issued for: a push with another
        apns-topic gets 400 DeviceTokenNotForTopic, as from APNs."""
        self._control('/control/device-topics', {token: topic})

    def refuse(self, ms):
        self._control('/control/refuse', {'ms': ms})

    def expire_tokens(self):
        self._control('/control/expire-tokens', {})

    def requests(self):
        return self._control('/control/requests')['requests']

    def token_requests(self):
        return self._control('/control/requests')['token_requests']

    def apns_pushes(self):
        return [r for r in self.requests() if r.get('kind') == 'apns' and r.get('accepted')]

    def fcm_pushes(self):
        return [r for r in self.requests() if r.get('kind') == 'fcm' and r.get('accepted')]

    # -- vapush config ------------------------------------------------------------------------
    def apps_yaml(self, config_dir):
        """The apps section for vapushd, with credentials copied next to its config."""
        for name in ('AuthKey.p8', 'service-account.json', 'ca.pem'):
            shutil.copy(os.path.join(self.dir, name), os.path.join(config_dir, name))
            os.chmod(os.path.join(config_dir, name), 0o600)
        return ('apps:\n'
                '  - { name: ios, platform: apns, topic: %s, team_id: %s, key_id: %s,\n'
                '      key_file: AuthKey.p8, endpoint: "%s", ca_file: ca.pem,\n'
                '      push_modules: [exampleProdiOS] }\n'
                '  - { name: android, platform: fcm, project_id: %s,\n'
                '      service_account_file: service-account.json, endpoint: "%s",\n'
                '      ca_file: ca.pem }\n'
                % (TOPIC, TEAM_ID, KEY_ID, self.endpoint, PROJECT, self.endpoint))
