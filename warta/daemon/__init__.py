"""warta's crawl daemon (its entry is the top-level scheduler.py, `warta daemon`): every
registry site crawled on its cron schedule, each crawl a supervised child `scrapy crawl`."""
