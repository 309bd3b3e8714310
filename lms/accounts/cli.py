import click

users = click.Group("users", help="Manage people.")
