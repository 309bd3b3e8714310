import click

courses = click.Group("courses", help="Courses from files.")
