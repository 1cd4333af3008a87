#!/usr/bin/env bash
# The README's first command: install, create the SQLite database through the migrations, seed the demo data
# (once), and serve the site on http://127.0.0.1:5000 (override with HOST/PORT).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p instance
export FLASK_APP=app
.venv/bin/flask db upgrade
.venv/bin/flask seed-demo
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-5000}
cat <<MSG

  安培 Anpei is running at http://$HOST:$PORT/
  Demo logins (password: anpei-demo):
    admin        平台管理员 platform admin
    regulator    南京市应急管理局 regulator (jurisdiction 南京市)
    enterprise   金陵化工有限公司 enterprise admin
    enterprise2  秦淮机械制造有限公司 enterprise admin
    institution  南京安培安全培训中心 training institution
    worker       王建国, a worker at 金陵化工

MSG
exec .venv/bin/gunicorn --bind "$HOST:$PORT" --workers 2 --threads 4 --access-logfile - "app:create_app()"
