"""Project commands (COMMANDS_MODULE): warta's `scrapy crawl`, the stock one with honest exits."""
