import { createServer } from 'node:http';
import pg from 'pg';
import { migrate } from './migrate.js';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });

async function listNotes() {
  const { rows } = await pool.query('SELECT id, title, body, created_at FROM notes ORDER BY created_at DESC LIMIT 100');
  return rows;
}

async function addNote(note) {
  const { rows } = await pool.query('INSERT INTO notes (title, body) VALUES ($1, $2) RETURNING id', [note.title, note.body ?? '']);
  return rows[0];
}

function readJson(request) {
  return new Promise((resolve, reject) => {
    let text = '';
    request.on('data', (chunk) => (text += chunk));
    request.on('end', () => {
      try {
        resolve(JSON.parse(text));
      } catch (error) {
        reject(error);
      }
    });
  });
}

function send(response, status, body) {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

const server = createServer(async (request, response) => {
  try {
    if (request.method === 'GET' && request.url === '/health') return send(response, 200, { ok: true });
    if (request.method === 'GET' && request.url === '/notes') return send(response, 200, await listNotes());
    if (request.method === 'POST' && request.url === '/notes') return send(response, 201, await addNote(await readJson(request)));
    send(response, 404, { error: 'not found' });
  } catch (error) {
    // 23514: the title check of 000002 refused a blank title.
    send(response, error.code === '23514' ? 400 : 500, { error: error.message });
  }
});

// Migrations first, at every boot: a migration that fails on the second boot crash-loops the service.
const client = await pool.connect();
try {
  await migrate(client);
} finally {
  client.release();
}
server.listen(Number(process.env.PORT ?? 3000));
