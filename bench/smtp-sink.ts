/**
 * A minimal SMTP server for `npm run bench`: it accepts every mail and
 * discards it, doing as little work as it can (it runs on the load
 * generator's core), and prints its port on standard output. The service
 * delivers to it as it would to a real mail server, so the bench measures
 * what sending mail costs the service.
 */
import { createServer } from 'node:net';

const server = createServer((socket) => {
  let inData = false;
  let pending = '';
  socket.write('220 bench-sink ESMTP\r\n');
  socket.on('error', () => undefined);
  socket.on('data', (chunk) => {
    pending += chunk.toString('latin1');
    for (;;) {
      if (inData) {
        const end = pending.indexOf('\r\n.\r\n');
        if (end === -1) {
          pending = pending.slice(-4);
          return;
        }
        pending = pending.slice(end + 5);
        inData = false;
        socket.write('250 queued\r\n');
        continue;
      }
      const lineEnd = pending.indexOf('\r\n');
      if (lineEnd === -1) return;
      const verb = pending.slice(0, 4).toUpperCase();
      pending = pending.slice(lineEnd + 2);
      if (verb === 'EHLO') socket.write('250-bench-sink\r\n250 8BITMIME\r\n');
      else if (verb === 'DATA') {
        inData = true;
        socket.write('354 go on\r\n');
      } else if (verb === 'QUIT') socket.end('221 bye\r\n');
      else socket.write('250 ok\r\n');
    }
  });
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(typeof address === 'object' && address ? address.port : 0);
});
