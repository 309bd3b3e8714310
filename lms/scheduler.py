import click

scheduler = click.Command("scheduler")
