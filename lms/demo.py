import click

demo = click.Command("demo")
