"""The repair procedure (DOMAIN.md §4). Its blueprint registers here once the procedure is built."""
