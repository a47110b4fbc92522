"""The coordinator's console (`hub console`): a server-rendered web app for program staff, a
separate process sharing the hotline's database. Accounts and the audit log are domain code
(accounts.py, audit.py); app.py is the Sanic adapter."""
